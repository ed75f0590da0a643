/**
 * Startup of the single executable: `dist/centos --help` against the floor (`node -e 0`) and the
 * from-source launcher (`node bin/centos --help`), each run N times in turn; medians and ratios.
 * Targets: dist/centos --help ≤ 150 ms median; node bin/centos --help (the JavaScript build) ≤ 2× node -e 0.
 * Build first: npm run build:binary (and npm run build, which npm install runs).
 * Run: npm run bench:startup  [-- --runs 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
const binary = `${root}dist/centos`;
// bin/centos runs the JavaScript build only while it is newer than the sources: build it now.
if (spawnSync(process.execPath, ['--import', 'tsx', `${root}scripts/build-js.ts`], { stdio: 'ignore' }).status !== 0) throw new Error('npm run build failed');
if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build:binary first`);

const subjects: Array<[string, string, string[]]> = [
  ['node -e 0', process.execPath, ['-e', '0']],
  ['dist/centos --help', binary, ['--help']],
  ['node bin/centos --help', process.execPath, [`${root}bin/centos`, '--help']],
  ['… from source (tsx)', process.execPath, [`${root}bin/centos`, '--help']],
];
// The last one runs the TypeScript through tsx, as before the JavaScript build existed.
const envOf = (name: string) => (name.includes('tsx') ? { ...process.env, CENTOS_FROM_SOURCE: '1' } : process.env);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));

// One warm-up each (page cache, the addon cache is not involved in --help), then interleaved runs.
for (const [name, cmd, args] of subjects) spawnSync(cmd, args, { stdio: 'ignore', env: envOf(name) });
for (let i = 0; i < runs; i++) {
  for (const [name, cmd, args] of subjects) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env: envOf(name) });
    if (r.status !== 0) throw new Error(`${name} exited with ${r.status}`);
    times.get(name)!.push(performance.now() - t);
  }
}

const floor = median(times.get('node -e 0')!);
process.stdout.write(`startup, ${runs} runs each, ${cpus()[0]?.model ?? 'unknown cpu'} ×${cpus().length}, Node ${process.version}\n`);
for (const [name] of subjects) {
  const m = median(times.get(name)!);
  process.stdout.write(`  ${name.padEnd(24)} median ${m.toFixed(0).padStart(5)} ms   ×${(m / floor).toFixed(2)} of node -e 0\n`);
}
const js = median(times.get('node bin/centos --help')!);
process.stdout.write(`target node bin/centos --help ≤ 2× node -e 0: ${js <= 2 * floor ? 'met' : 'NOT met'} (×${(js / floor).toFixed(2)})\n`);
const sea = median(times.get('dist/centos --help')!);
process.stdout.write(`target dist/centos --help ≤ 150 ms: ${sea <= 150 ? 'met' : 'NOT met'} (${sea.toFixed(0)} ms)\n`);
