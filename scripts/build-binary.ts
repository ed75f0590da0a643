// npm run build:binary → dist/centos: the CLI bundled by esbuild, injected into a copy of this Node
// as a Single Executable Application, with its native addons and web assets embedded.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inject } from 'postject';
import { webAssetFiles } from '../src/serve/loadAssets.ts';
import { addonAssets } from '../src/sea/embeddedAddon.ts';
import { absentOptionalPlugin } from './absentOptionalPlugin.ts';
import { embeddedAddonPlugin } from './embeddedAddonPlugin.ts';
import { sourcePatchPlugin } from './sourcePatchPlugin.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(root, 'dist');
const work = path.join(out, 'sea');
const binary = path.join(out, 'centos');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const started = Date.now();
const step = (n: number, what: string) => process.stdout.write(`build-binary [${n}/5] ${what}\n`);

if (process.platform !== 'linux' || process.arch !== 'x64') process.stdout.write(`build-binary: note: building for ${process.platform}-${process.arch}, not linux-x64\n`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

step(1, 'bundling bin/centos-sea.ts with esbuild');
const bundle = path.join(work, 'centos.cjs');
const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
const addonFiles = {
  [addonAssets.betterSqlite3]: path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node'),
  [addonAssets.leveldown]: nodeGypBuild.path(path.dirname(require.resolve('leveldown/package.json'))),
};
const result = await build({
  entryPoints: [path.join(root, 'bin', 'centos-sea.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  // Our tsconfig's `strict` would put "use strict" over the whole bundle, and some dependencies are
  // sloppy-mode CommonJS (kinesalite assigns an undeclared variable); tsc already holds our code to strict.
  tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
  define: { __CENTOS_VERSION__: JSON.stringify(pkg.version) },
  // import.meta only appears on the paths taken when running from source (guarded by isSea()).
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [
    absentOptionalPlugin(['cardinal', '@aws-sdk/signature-v4-crt']),
    // esbuild bundles every file a `require('./dir/' + name)` can reach, keyed with the extension.
    sourcePatchPlugin({
      'kinesalite/index.js': [
        ["require('./actions/' + action)", "require('./actions/' + action + '.js')"],
        ["require('./validations/' + action)", "require('./validations/' + action + '.js')"],
      ],
    }),
    embeddedAddonPlugin(
      { 'node-gyp-build': { leveldown: addonAssets.leveldown }, bindings: { 'better-sqlite3': addonAssets.betterSqlite3 } },
      path.join(root, 'src', 'sea', 'embeddedAddon.ts'),
    ),
  ],
  logLevel: 'warning',
});
if (result.errors.length > 0) throw new Error('esbuild failed');
process.stdout.write(`  ${mb(bundle)} of JavaScript\n`);

step(2, 'writing the SEA blob (node --experimental-sea-config)');
const assets = { ...addonFiles, ...webAssetFiles() };
for (const [key, file] of Object.entries(assets)) process.stdout.write(`  asset ${key} ← ${path.relative(root, file)} (${mb(file)})\n`);
const blob = path.join(work, 'centos.blob');
const seaConfig = path.join(work, 'sea-config.json');
writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }, null, 2) + '\n');
const sea = spawnSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
if (sea.status !== 0) throw new Error(`node --experimental-sea-config exited with ${sea.status}`);

step(3, `copying ${process.execPath} (Node ${process.version})`);
const tmp = `${binary}.tmp`;
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);

step(4, 'injecting the blob with postject');
await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });

step(5, 'checking the binary');
const check = spawnSync(tmp, ['--version'], { encoding: 'utf8', cwd: work });
if (check.status !== 0 || check.stdout.trim() !== pkg.version) throw new Error(`the new binary answered --version with exit ${check.status}: ${check.stdout}${check.stderr}`);
renameSync(tmp, binary);
process.stdout.write(`build-binary: ${path.relative(process.cwd(), binary) || binary} (${mb(binary)}, centos ${pkg.version}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

function mb(file: string): string {
  return `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`;
}
