import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const PROMTOOL = '/usr/bin/promtool';

/** Every metric name the roles register, from the real registration code. */
async function exportedMetricNames(): Promise<string[]> {
  const [{ Registry }, { registerProducerMetrics }, { createProducerCounters }, { workerMetrics }, { registerSchedulerMetrics }, { createReadCounters }] = await Promise.all([
    import('prom-client'),
    import('../../src/metrics/producerMetrics.ts'),
    import('../../src/produce/ProducerCounters.ts'),
    import('../../src/metrics/workerMetrics.ts'),
    import('../../src/metrics/schedulerMetrics.ts'),
    import('../../src/kinesis/ShardReader.ts'),
  ]);
  const registry = new Registry();
  registerProducerMetrics(registry, createProducerCounters(), { oldestUnackedAgeMs: () => undefined, maxBufferedRecords: 1, maxBufferedBytes: 1 });
  registerSchedulerMetrics(registry, () => undefined);
  const counters = { records: 0, batches: 0, commits: 0, leasesTaken: 0, leasesStolen: 0, leasesReleased: 0, leasesLost: 0, shardsEnded: 0, processorErrors: 0, stuckBatches: 0, shardSyncFailures: 0, fencedCommits: 0, ...createReadCounters() };
  const handle = { workerId: 'w', counters, shards: () => [], shardStats: () => [], stop: async () => {}, abandon: () => {}, done: Promise.resolve() };
  workerMetrics(registry, 'app').register({ handle, roleStats: () => ({}) });
  return (await registry.getMetricsAsJSON()).map((m) => m.name);
}

/** Debian's `prometheus` package ships promtool; .ci/run installs it. */
function promtoolOrSkip(t: { skip(msg: string): void }): boolean {
  if (existsSync(PROMTOOL)) return true;
  if (process.env.CI === 'true') throw new Error(`${PROMTOOL} missing: apt-get install prometheus (CI installs it)`);
  process.stderr.write('# SKIPPING alert rule tests: promtool not installed (apt-get install prometheus)\n');
  t.skip('promtool not installed');
  return false;
}

describe('alert rules (docs/prometheus-alerts.yml)', { timeout: 60_000 }, () => {
  it('are valid Prometheus rules', async (t) => {
    if (!promtoolOrSkip(t)) return;
    const r = await run(PROMTOOL, ['check', 'rules', path.join(ROOT, 'docs/prometheus-alerts.yml')]);
    assert.match(r.stdout, /SUCCESS: 5 rules found/);
  });

  it('fire on the recorded samples of each failure and stay quiet on the healthy ones', async (t) => {
    if (!promtoolOrSkip(t)) return;
    const r = await run(PROMTOOL, ['test', 'rules', 'alertRules.promtool.yml'], { cwd: path.join(ROOT, 'test/metrics') }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout}\n${err.stderr}`);
    });
    assert.match(r.stdout, /SUCCESS/);
  });

  it('and the Grafana dashboard name only metrics that centos exports', async () => {
    const { readFile } = await import('node:fs/promises');
    const rules = await readFile(path.join(ROOT, 'docs/prometheus-alerts.yml'), 'utf8');
    const dashboard = JSON.parse(await readFile(path.join(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    assert.ok(exprs.length > 20, 'the dashboard has queries');
    const used = new Set([...(rules.match(/centos_[a-z_]+/g) ?? []), ...exprs.flatMap((e) => e.match(/centos_[a-z_]+/g) ?? [])].map((m) => m.replace(/_(bucket|sum|count)$/, '')));
    const exported = new Set(await exportedMetricNames());
    assert.deepEqual([...used].filter((m) => !exported.has(m)), []);
  });
});
