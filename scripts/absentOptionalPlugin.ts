import type { Plugin } from 'esbuild';

/**
 * Optional dependencies that packages probe with `try { require(name) } catch {}` and that we do not
 * ship. Left external, the SEA's built-ins-only require prints a warning on every start; bundled as a
 * module that throws MODULE_NOT_FOUND, the probe fails quietly as it does in a plain install.
 */
export function absentOptionalPlugin(names: string[]): Plugin {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$`);
  return {
    name: 'absent-optional',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'absent-optional' }));
      build.onLoad({ filter: /.*/, namespace: 'absent-optional' }, (args) => ({
        contents: `const e = new Error(${JSON.stringify(`Cannot find module '${args.path}' (not included in the centos binary)`)}); e.code = 'MODULE_NOT_FOUND'; throw e;\n`,
        loader: 'js',
      }));
    },
  };
}
