/**
 * Generator throughput: `writeGeneratedFiles` (what `centos generate` runs) against the floor of
 * writing the same number of pre-built events with JSON.stringify, in one run.
 * Run: npm run bench:generate  [-- --files 10 --rows 50000]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { writeGeneratedFiles } from '../src/generate/writeGeneratedFiles.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '10' }, rows: { type: 'string', default: '50000' }, reps: { type: 'string', default: '3' } } });
const files = Number(values.files);
const rows = Number(values.rows);
const reps = Number(values.reps);
const events = files * rows;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeIt(fn: (dir: string) => Promise<void>): Promise<number> {
  const secs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-gen-'));
    const t = performance.now();
    await fn(dir);
    secs.push((performance.now() - t) / 1000);
    await rm(dir, { recursive: true, force: true });
  }
  return median(secs);
}

const centos = await timeIt(async (dir) => {
  await writeGeneratedFiles({ files, rows, users: 1000, seed: 1, duplicates: 0.02, startMs: 0, intervalMs: 0, generatedDir: path.join(dir, 'g'), watchDir: path.join(dir, 'w') });
});

// Floor: the same events already in memory, serialised with JSON.stringify and written.
const gen = new EventGenerator({ seed: 1, users: 1000, duplicates: 0, startMs: 0 });
const prebuilt = Array.from({ length: rows }, () => gen.next());
const floor = await timeIt(async (dir) => {
  for (let i = 0; i < files; i++) await writeFile(path.join(dir, `f${i}.json`), JSON.stringify(prebuilt));
});

const rate = (s: number) => Math.round(events / s);
console.log(`generate benchmark: ${files} files × ${rows} events, median of ${reps}`);
console.log(`  centos generate        ${rate(centos).toLocaleString('en-US').padStart(10)} events/s`);
console.log(`  JSON.stringify floor   ${rate(floor).toLocaleString('en-US').padStart(10)} events/s (pre-built events, no generation)`);
console.log(`  ratio centos / floor   ${(floor / centos).toFixed(2)}`);
console.log(`  target ≥ 100,000 events/s: ${rate(centos) >= 100_000 ? 'met' : 'NOT met'}`);
