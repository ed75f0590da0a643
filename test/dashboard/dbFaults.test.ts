import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { runConsumer } from '../../src/coordinator/runConsumer.ts';
import { dashboardProcessor } from '../../src/dashboard/dashboardProcessor.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { openStore } from '../../src/store/openStore.ts';
import { counter, fastCoordinator, makeEnv, putEvents, silentLog, waitFor, type Env } from '../helpers/consumerHarness.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

describe('dashboard consumer when MySQL goes away and comes back', () => {
  let stack: TestStack;
  let env: Env | undefined;
  let proxy: TcpProxy;
  before(async () => {
    stack = await startTestStack();
    env = await makeEnv(stack, 'mysql', 2);
  });
  after(async () => {
    await env?.close();
    await proxy?.close();
    await stack.close();
  });

  it('retries with backoff, keeps its leases, loses and duplicates nothing', async (t) => {
    if (!env) return t.skip('no MySQL server');
    const url = new URL(env.settings.config.db.url);
    proxy = await startTcpProxy(Number(url.port || 3306), url.hostname);
    url.port = String(proxy.port);
    const store = openStore(url.toString());
    const gen = new EventGenerator({ seed: 21, users: 40, duplicates: 0.1, startMs: 0 });
    const events = Array.from({ length: 3000 }, () => gen.next());
    const distinct = new Set(events.map((e) => e.eventId)).size;
    const w = runConsumer({
      app: 'test-app',
      processor: dashboardProcessor('test-app', { batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 }),
      options: { ...fastCoordinator, leaseDurationMs: 20_000 },
      initialPosition: { type: 'TRIM_HORIZON' },
      deps: { store, kinesis: sdkKinesisReadPort(env.kinesis, env.stream), log: silentLog },
    });
    try {
      await putEvents(env, events.slice(0, 1000));
      await waitFor('first part applied', async () => (await counter(env!, 'events_applied')) > 0);
      const epochsBefore = (await new LeaseStore(env.store).listLeases('test-app')).map((l) => l.epoch);
      proxy.cut();
      await putEvents(env, events.slice(1000));
      await delay(2_500);
      proxy.resume();
      await waitFor('all applied', async () => (await counter(env!, 'events_applied')) >= distinct, 60_000);
      await w.stop();
      // What the worker went through, so that a failure below says whether a lease changed hands or a
      // batch was restarted (the only ways a record could be read twice).
      const seen = JSON.stringify({ worker: w.counters, counters: await env.store.query('SELECT * FROM counters ORDER BY name, shard_id') });
      const epochsAfter = (await new LeaseStore(env.store).listLeases('test-app')).map((l) => l.epoch);
      assert.deepEqual(epochsAfter, epochsBefore, `the worker kept its leases through the outage: ${seen}`);
      assert.equal(w.counters.leasesLost, 0, seen);
      assert.equal(await counter(env, 'events_applied'), distinct, seen);
      assert.equal(await counter(env, 'duplicates_dropped'), events.length - distinct, seen);
      const [rows] = await env.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM events');
      assert.equal(Number(rows!.n), distinct);
    } finally {
      await w.stop();
      await store.close();
    }
  });

  it('a COMMIT whose reply is lost: the batch is not applied twice, counters equal a recount, no error', async (t) => {
    const e = await makeEnv(stack, 'mysql', 2);
    if (!e) return t.skip('no MySQL server');
    const url = new URL(e.settings.config.db.url);
    const swallowing = await startTcpProxy(Number(url.port || 3306), url.hostname);
    url.port = String(swallowing.port);
    // The statement timeout is what notices the lost reply; the connection is then destroyed.
    const store = openStore(url.toString(), { limits: { queryTimeoutMs: 2_000 } });
    const lines: Array<{ level: number; msg: string }> = [];
    const log = createLogger({
      level: 'info',
      pretty: false,
      destination: new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      }),
    });
    const gen = new EventGenerator({ seed: 22, users: 40, duplicates: 0.1, startMs: 0 });
    const events = Array.from({ length: 3000 }, () => gen.next());
    const w = runConsumer({
      app: 'lost-reply',
      processor: dashboardProcessor('lost-reply', { batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 }),
      options: { ...fastCoordinator, leaseDurationMs: 20_000 },
      initialPosition: { type: 'TRIM_HORIZON' },
      deps: { store, kinesis: sdkKinesisReadPort(e.kinesis, e.stream), log },
    });
    try {
      await waitFor('leases taken', () => w.shards().length === 2);
      const lost = swallowing.swallowReplyTo((sql) => sql === 'COMMIT');
      await putEvents(e, events);
      await lost;
      const distinct = new Set(events.map((e) => e.eventId)).size;
      await waitFor('all applied', async () => (await counter(e, 'events_applied')) >= distinct, 60_000).catch((err) => {
        throw new Error(`${err.message}: ${JSON.stringify(lines.slice(-20))}`);
      });
      await w.stop();
      const [row] = await e.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM events');
      assert.equal(Number(row!.n), distinct);
      assert.equal(await counter(e, 'events_applied'), distinct, 'applied = rows in events');
      assert.equal(await counter(e, 'duplicates_dropped'), events.length - distinct, 'duplicates = records sent − distinct events');
      assert.ok(lines.some((l) => l.msg === 'commit failed, retrying'), 'the lost reply was noticed and the commit tried again');
      assert.deepEqual(lines.filter((l) => l.level >= 50), [], 'no error logged');
      assert.equal(w.counters.processorErrors, 0);
      assert.equal(w.counters.leasesLost, 0);
    } finally {
      await w.stop();
      await store.close();
      await swallowing.close();
      await e.close();
    }
  });
});
