// npm run build (and `prepare`, so every install has it) → dist/js: the CLI as JavaScript, so
// `centos` starts without transpiling TypeScript. One esbuild bundle of our own code, split at the
// commands' lazy imports; npm packages stay external (node_modules), so no native addon moves.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'js');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const t = performance.now();
await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { runCli: path.join(root, 'src', 'cli', 'runCli.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  define: { __CENTOS_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
process.stdout.write(`dist/js built in ${Math.round(performance.now() - t)} ms\n`);
