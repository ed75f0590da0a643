import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** A dependency file (path ending, e.g. `kinesalite/index.js`) and the exact replacements it needs. */
export type SourcePatches = Record<string, Array<[from: string, to: string]>>;

/**
 * Small, exact edits to dependency sources at bundle time, for code a bundler cannot follow as written.
 * A patch that no longer matches fails the build, so a dependency upgrade cannot silently undo it.
 */
export function sourcePatchPlugin(patches: SourcePatches): Plugin {
  return {
    name: 'source-patch',
    setup(build) {
      for (const [suffix, edits] of Object.entries(patches)) {
        const filter = new RegExp(`[\\\\/]node_modules[\\\\/]${suffix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\//g, '[\\\\/]')}$`);
        build.onLoad({ filter }, async (args) => {
          let contents = await readFile(args.path, 'utf8');
          for (const [from, to] of edits) {
            if (!contents.includes(from)) return { errors: [{ text: `source patch for ${suffix} no longer matches: ${from}` }] };
            contents = contents.replaceAll(from, to);
          }
          return { contents, loader: 'js' };
        });
      }
    },
  };
}
