import path from 'node:path';
import type { Plugin } from 'esbuild';

/** Loader package → (package that uses it → SEA asset key of the addon it would have loaded from disk). */
export type AddonLoaders = Record<string, Record<string, string>>;

/**
 * Replaces the packages that find native addons on disk (`node-gyp-build(__dirname)`, `bindings(name)`)
 * with a shim that loads the addon embedded in the single executable. A package not in the table fails
 * the build, so a new native dependency cannot slip in and break only at run time.
 */
export function embeddedAddonPlugin(loaders: AddonLoaders, embeddedAddonModule: string): Plugin {
  const filter = new RegExp(`^(${Object.keys(loaders).map((l) => l.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})$`);
  return {
    name: 'embedded-addon',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const user = packageOf(args.importer);
        const assetKey = user ? loaders[args.path]?.[user] : undefined;
        if (!assetKey) return { errors: [{ text: `${user ?? args.importer} loads a native addon through ${args.path}; add it to the embedded addons in scripts/build-binary.ts` }] };
        return { path: `${args.path}:${user}`, namespace: 'embedded-addon', pluginData: assetKey };
      });
      build.onLoad({ filter: /.*/, namespace: 'embedded-addon' }, (args) => ({
        contents: `const { loadEmbeddedAddon } = require(${JSON.stringify(embeddedAddonModule)});\nmodule.exports = () => loadEmbeddedAddon(${JSON.stringify(args.pluginData)});\n`,
        resolveDir: path.dirname(embeddedAddonModule),
        loader: 'js',
      }));
    },
  };
}

/** The npm package a file belongs to: the name after its last node_modules/. */
export function packageOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || i + 1 >= parts.length) return undefined;
  return parts[i + 1]!.startsWith('@') ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1];
}
