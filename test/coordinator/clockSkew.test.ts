import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { libfaketimePath, skewedClockEnv } from '../../tools/chaos/libfaketime.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { counter, envsFor, putEvents, waitFor } from '../helpers/consumerHarness.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;
const SKEW = '+30s';
// libfaketime preloaded into node itself (what the `faketime` wrapper does), so signals reach the worker.
const LIBFAKETIME = libfaketimePath();

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject).on('close', () => resolve(out));
  });
}

interface Worker {
  child: ChildProcess;
  log: string;
}

describe('a worker whose clock runs 30 s ahead (faketime)', () => {
  const env = envsFor(() => stack, 'mysql');
  const workers: Worker[] = [];
  after(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  });

  function startWorker(configFile: string, id: string, skew?: string): Worker {
    const clock = skew ? skewedClockEnv(skew) : {};
    const child = spawn(process.execPath, [BIN, 'consume', '--role', 'dashboard', '--config', configFile, '--worker-id', id], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: 'true', ...clock },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w: Worker = { child, log: '' };
    child.stdout!.on('data', (d) => (w.log += d));
    child.stderr!.on('data', (d) => (w.log += d));
    workers.push(w);
    return w;
  }

  async function stopWorker(w: Worker): Promise<void> {
    if (w.child.exitCode !== null) return;
    const exited = new Promise((r) => w.child.once('exit', r));
    w.child.kill('SIGTERM');
    await exited;
  }

  it('takes no live lease, the two share the shards evenly and stay put, and the audit is clean', async (t) => {
    if (!LIBFAKETIME) {
      if (process.env.CI === 'true') assert.fail('the clock-skew test needs libfaketime in CI (.ci/run installs faketime)');
      process.stderr.write('\n!!! SKIPPING the clock-skew test: libfaketime is not installed (apt-get install -y faketime)\n\n');
      return t.skip('libfaketime is not installed');
    }
    const e = await env(4, t);
    if (!e) return;
    const dir = path.join(stack.dir, `skew-${process.pid}`);
    mkdirSync(path.join(dir, 'input'), { recursive: true });
    const c = e.settings.config;
    const configFile = path.join(dir, 'centos.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        stream: { name: e.stream },
        db: { url: c.db.url },
        aws: { kinesisEndpoint: c.aws.kinesisEndpoint, s3Endpoint: c.aws.s3Endpoint },
        apps: { dashboard: 'test-app' },
        coordinator: { leaseDurationMs: 6_000, renewIntervalMs: 1_000, takeIntervalMs: 300, shardSyncIntervalMs: 2_000 },
        log: { level: 'info' },
      }),
    );
    const leases = new LeaseStore(e.store);
    const owners = async () => (await leases.listLeases('test-app')).map((l) => l.owner);

    const healthy = startWorker(configFile, 'healthy');
    await waitFor('healthy owns every shard', async () => (await owners()).filter((o) => o === 'healthy').length === 4, 60_000);
    const skewed = startWorker(configFile, 'skewed', SKEW);
    const skewedClock = await runNode(['-e', 'process.stdout.write(String(Date.now()))'], skewedClockEnv(SKEW));
    assert.ok(Number(skewedClock) - Date.now() > 25_000, 'the skewed process really runs ahead');
    await waitFor('an even share', async () => {
      const o = await owners();
      return o.filter((x) => x === 'healthy').length === 2 && o.filter((x) => x === 'skewed').length === 2;
    }, 60_000);
    const epochsAtBalance = (await leases.listLeases('test-app')).map((l) => l.epoch);

    const gen = new EventGenerator({ seed: 14, users: 60, duplicates: 0.05, startMs: 0 });
    const events = Array.from({ length: 2_000 }, () => gen.next());
    writeFileSync(path.join(dir, 'input', 'events.json'), JSON.stringify(events));
    const distinct = new Set(events.map((x) => x.eventId)).size;
    await putEvents(e, events);
    await waitFor('every event applied', async () => (await counter(e, 'events_applied')) >= distinct, 90_000);

    const epochsAfter = (await leases.listLeases('test-app')).map((l) => l.epoch);
    assert.deepEqual(epochsAfter, epochsAtBalance, 'no lease changed hands once the share was even');
    assert.deepEqual((await owners()).sort(), ['healthy', 'healthy', 'skewed', 'skewed']);
    assert.doesNotMatch(healthy.log, /lease lost/, 'the healthy worker never lost a lease to the skewed one');
    assert.doesNotMatch(skewed.log, /lease lost/);
    assert.match(skewed.log, /lease (taken|stolen)/);

    await Promise.all([stopWorker(healthy), stopWorker(skewed)]);
    const audit = await runCentos(['audit', '--input', path.join(dir, 'input'), '--only', 'dashboard', '--config', configFile, '--json'], { timeoutMs: 60_000 });
    assert.equal(audit.code, 0, `audit: ${audit.stdout}\n${audit.stderr}`);
    assert.equal(await counter(e, 'events_applied'), distinct);
  });
});
