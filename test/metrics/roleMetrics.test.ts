// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/openStore.ts';
import { e2eEnv } from '../helpers/e2eEnv.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';
import { waitFor } from '../helpers/waitFor.ts';

/*
 * Each long-running role serves /metrics on its own port during a real run on the faithful local
 * Kinesis, and what it reports agrees with what the run did.
 */

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

interface Role {
  child: ChildProcess;
  url: Promise<string>;
}

/** Starts `centos <args> --metrics-port 0` and resolves the metrics URL it prints. */
function startRole(args: string[], env: Record<string, string>, cwd: string): Role {
  const child = spawn(process.execPath, [BIN, ...args, '--metrics-port', '0'], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`centos ${args.join(' ')} exited ${code} before printing its metrics URL`)));
  });
  return { child, url };
}

/** One scrape, as `name{labels}` → value, summed over any labels not asked for. */
async function scrape(url: string): Promise<(name: string, labels?: Record<string, string>) => number> {
  const text = await (await fetch(url)).text();
  const samples = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
      if (!m) throw new Error(`not a Prometheus sample line: ${l}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
  return (name, want = {}) => samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

async function stop(roles: Role[]): Promise<void> {
  await Promise.all(
    roles.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((r) => {
            child.once('exit', r);
            child.kill('SIGTERM');
          }),
    ),
  );
}

describe('every role serves Prometheus metrics that agree with the run', { timeout: 300_000 }, () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ faithful: {} });
  });
  after(async () => {
    await stack.close();
  });

  it('produce, dashboard and archive workers and the scheduler: counters move consistently; reads are paced under the faithful limits', async () => {
    const dir = path.join(stack.dir, 'metrics');
    const dbUrl = `sqlite:${path.join(dir, 'centos.db')}`;
    const env = {
      ...e2eEnv({ kinesisEndpoint: stack.kinesisEndpoint, s3Endpoint: stack.s3Endpoint, name: 'metrics', dbUrl, dir }),
      CENTOS_STREAM_SHARDS: '2',
      // Both applications ask for the whole read budget of a shard, at the shortest interval: together they
      // call more than 5 times a second per shard while behind, so the faithful Kinesis must throttle them.
      CENTOS_COORDINATOR_READ_SHARE: '1',
      CENTOS_COORDINATOR_READ_INTERVAL_MS: '200',
      CENTOS_PRODUCER_SETTLE_MS: '0',
      CENTOS_SCHEDULER_INTERVAL_MS: '500',
    };
    const ok = async (args: string[]) => {
      const r = await runCentos(args, { cwd: stack.dir, env, timeoutMs: 120_000 });
      assert.equal(r.code, 0, `centos ${args.join(' ')}: ${r.stderr}`);
    };
    await ok(['setup']);
    await ok(['generate', '6', '1000', '--duplicates', '0.1', '--users', '200']);

    const roles: Role[] = [];
    const store = openStore(dbUrl);
    try {
      const produce = startRole(['produce'], env, stack.dir);
      const dashboard = startRole(['consume', '--role', 'dashboard'], env, stack.dir);
      const archive = startRole(['consume', '--role', 'archive'], env, stack.dir);
      const schedule = startRole(['schedule'], env, stack.dir);
      roles.push(produce, dashboard, archive, schedule);
      const [pUrl, dUrl, aUrl, sUrl] = (await Promise.all(roles.map((r) => r.url))) as [string, string, string, string];

      const applied = async () => Number((await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM events').catch(() => [{ n: 0 }]))[0]!.n);
      await waitFor('every file sent', async () => (await scrape(pUrl))('centos_producer_files_total', { outcome: 'done' }) === 6, 120_000);
      const pm = await scrape(pUrl);
      assert.equal(pm('centos_producer_events_acknowledged_total'), 6000);
      assert.ok(pm('centos_producer_records_put_total') > 0 && pm('centos_producer_records_put_total') <= 6000);
      assert.equal(pm('centos_producer_buffered_events'), 0);
      assert.equal(pm('centos_producer_oldest_unacknowledged_age_seconds'), 0);
      assert.ok(pm('centos_process_resident_memory_bytes') > 0, 'default process metrics, in the centos_ namespace');

      // The dashboard has applied every distinct event once the duplicates it dropped make up the rest.
      let dm = await scrape(dUrl);
      await waitFor(
        'the dashboard to apply every event',
        async () => {
          dm = await scrape(dUrl);
          return dm('centos_consumer_events_applied_total') + dm('centos_consumer_duplicates_dropped_total') >= 6000;
        },
        120_000,
      );
      assert.equal(dm('centos_consumer_events_applied_total'), await applied(), 'events applied = rows in the events table');
      assert.ok(dm('centos_consumer_records_processed_total') >= dm('centos_consumer_events_applied_total'), 'records read ≥ events applied');
      assert.ok(dm('centos_consumer_commits_total') > 0);
      assert.ok(dm('centos_consumer_batch_duration_seconds_count') > 0 && dm('centos_consumer_commit_duration_seconds_count', { outcome: 'ok' }) > 0);
      assert.equal(dm('centos_consumer_leases_held', { app: 'CentosDashboard' }), 2);
      assert.equal(dm('centos_consumer_fenced_commits_total'), 0);
      assert.ok(dm('centos_consumer_last_commit_age_seconds') >= 0);

      // Two applications, each pacing for the whole shard: the faithful Kinesis throttles them, and they count it.
      await waitFor(
        'throttled reads to show',
        async () => {
          const [d, a] = await Promise.all([scrape(dUrl), scrape(aUrl)]);
          return d('centos_consumer_getrecords_throttled_total') + a('centos_consumer_getrecords_throttled_total') > 0;
        },
        60_000,
      );
      const [d2, a2] = await Promise.all([scrape(dUrl), scrape(aUrl)]);
      assert.ok(d2('centos_consumer_getrecords_calls_total') > d2('centos_consumer_getrecords_throttled_total'));
      assert.ok(a2('centos_consumer_getrecords_calls_total') > 0 && a2('centos_consumer_bytes_read_total') > 0);

      await waitFor('the scheduler to run roll-ups as leader', async () => {
        const s = await scrape(sUrl);
        return s('centos_scheduler_leader') === 1 && s('centos_scheduler_job_runs_total', { job: 'rollups', outcome: 'ok' }) > 0;
      }, 60_000);
      const health = await fetch(dUrl.replace('/metrics', '/healthz'));
      assert.equal(health.status, 200);
    } finally {
      await stop(roles);
      await store.close();
    }
  });
});
