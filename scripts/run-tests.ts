// npm test and its tiers. A test file names its tier in its first line (`// test tier: unit` or
// `// test tier: e2e`); any other file is an integration test (real emulators and databases).
// Tiers run one after another, so the heavy ones never share the CPU with timing-sensitive ones,
// and each has a per-test timeout, so a hung test fails instead of hanging the run.
//   node --import tsx scripts/run-tests.ts [unit] [integration] [e2e] [-- extra node --test flags]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Tier = 'unit' | 'integration' | 'e2e';
const settings: Record<Tier, { concurrency: number; timeoutMs: number }> = {
  unit: { concurrency: 2, timeoutMs: 30_000 },
  integration: { concurrency: 2, timeoutMs: 240_000 },
  e2e: { concurrency: 1, timeoutMs: 900_000 },
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
  const { concurrency, timeoutMs } = settings[tier];
  const started = performance.now();
  process.stdout.write(`# tier ${tier}: ${files.length} files, ${concurrency} at a time, ${timeoutMs / 1000} s per test\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...extra, ...files], { cwd: root, stdio: 'inherit' });
  process.stdout.write(`# tier ${tier}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
