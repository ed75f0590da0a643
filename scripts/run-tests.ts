// npm test and its tiers. A test file names its tier in its first line (`// test tier: unit` or
// `// test tier: e2e`); any other file is an integration test (real emulators and databases).
// Tiers run one after another, so the heavy ones never share the CPU with timing-sensitive ones,
// and each has a per-test timeout, so a hung test fails instead of hanging the run.
//   node --import tsx scripts/run-tests.ts [unit] [integration] [e2e] [-- extra node --test flags]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Tier = 'unit' | 'integration' | 'e2e';
// Unit tests need no services and share no state, so they run in one process: starting tsx once
// instead of once per file is most of the tier's time (≈ 6 s instead of ≈ 24 s for 24 files).
const settings: Record<Tier, { concurrency: number; timeoutMs: number; oneProcess: boolean }> = {
  unit: { concurrency: 1, timeoutMs: 30_000, oneProcess: true },
  integration: { concurrency: 2, timeoutMs: 240_000, oneProcess: false },
  e2e: { concurrency: 1, timeoutMs: 900_000, oneProcess: false },
};

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dashdash = process.argv.indexOf('--');
const args = dashdash < 0 ? process.argv.slice(2) : process.argv.slice(2, dashdash);
const extra = dashdash < 0 ? [] : process.argv.slice(dashdash + 1);
const wanted = (args.length > 0 ? args : ['unit', 'integration', 'e2e']) as Tier[];
for (const t of wanted) if (!(t in settings)) throw new Error(`unknown test tier ${t}: expected unit, integration or e2e`);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

export function tierOf(source: string): Tier {
  const m = /^\/\/ test tier: (unit|e2e)\b/.exec(source);
  return (m?.[1] as Tier | undefined) ?? 'integration';
}

const byTier = new Map<Tier, string[]>();
for (const f of testFiles(path.join(root, 'test')).sort()) {
  const tier = tierOf(readFileSync(f, 'utf8').slice(0, 200));
  byTier.set(tier, [...(byTier.get(tier) ?? []), path.relative(root, f)]);
}

let failed = false;
for (const tier of wanted) {
  const files = byTier.get(tier) ?? [];
  const { concurrency, timeoutMs, oneProcess } = settings[tier];
  const started = performance.now();
  process.stdout.write(`# tier ${tier}: ${files.length} files, ${oneProcess ? 'in one process' : `${concurrency} at a time`}, ${timeoutMs / 1000} s per test\n`);
  const entryDir = oneProcess ? mkdtempSync(path.join(tmpdir(), 'centos-tests-')) : undefined;
  let targets = files;
  if (entryDir) {
    targets = [path.join(entryDir, `${tier}.test.ts`)];
    writeFileSync(targets[0]!, files.map((f) => `import ${JSON.stringify(pathToFileURL(path.join(root, f)).href)};\n`).join(''));
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...extra, ...targets], { cwd: root, stdio: 'inherit' });
  if (entryDir) rmSync(entryDir, { recursive: true, force: true });
  process.stdout.write(`# tier ${tier}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
