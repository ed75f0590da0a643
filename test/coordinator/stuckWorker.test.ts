import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LeaseRow } from '../../src/coordinator/LeaseRepository.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { runConsumer, type ConsumerHandle } from '../../src/coordinator/runConsumer.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { openStore } from '../../src/store/openStore.ts';
import { sessionLimitsFor } from '../../src/store/sessionLimitsFor.ts';
import type { Store } from '../../src/store/Store.ts';
import { checkExactlyOnceInOrder, envsFor, fastCoordinator, putRecords, recorder, seenRows, silentLog, waitFor, type Env, type TestRecord } from '../helpers/consumerHarness.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

const LEASE_MS = 15_000;
const RENEW_MS = 1_000;

/** Which lease holds a partition key: the shard whose hash range contains MD5(key). */
function shardOf(key: string, leases: readonly LeaseRow[]): string {
  const h = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
  return leases.find((l) => BigInt(l.hashStart) <= h && h <= BigInt(l.hashEnd))!.shardId;
}

describe('one worker partitioned from MySQL in the middle of a commit', () => {
  const env = envsFor(() => stack, 'mysql');
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  /** A worker with the production store wiring (commit pool + lease pool, limits from the config), optionally through `proxy`. */
  function startWorker(e: Env, id: string, proxy?: TcpProxy): ConsumerHandle {
    const url = new URL(e.settings.config.db.url);
    if (proxy) url.port = String(proxy.port);
    const { config } = stack.settings({ 'db.url': url.toString(), 'coordinator.leaseDurationMs': LEASE_MS, 'coordinator.renewIntervalMs': RENEW_MS });
    const store: Store = openStore(url.toString(), { limits: sessionLimitsFor(config, 'work') });
    const leaseStore: Store = openStore(url.toString(), { limits: sessionLimitsFor(config, 'leases'), connectionLimit: 2 });
    closers.push(() => store.close(), () => leaseStore.close());
    const w = runConsumer({
      app: 'test-app',
      processor: recorder(),
      options: { ...fastCoordinator, leaseDurationMs: LEASE_MS, renewIntervalMs: RENEW_MS, takeIntervalMs: 200, shardSyncIntervalMs: 300 },
      initialPosition: { type: 'TRIM_HORIZON' },
      deps: { store, leaseStore, kinesis: sdkKinesisReadPort(e.kinesis, e.stream), log: silentLog },
      workerId: id,
    });
    closers.push(() => w.stop());
    return w;
  }

  it('the others keep applying while its fenced transaction holds a lease row, and take its shards once its lease expires', async (t) => {
    const e = await env(4, t);
    if (!e) return;
    const url = new URL(e.settings.config.db.url);
    const proxy = await startTcpProxy(Number(url.port || 3306), url.hostname);
    closers.push(() => proxy.close());

    const a = startWorker(e, 'stuck', proxy);
    await waitFor('stuck owns every shard', () => a.shards().length === 4);
    const b = startWorker(e, 'healthy-b');
    const c = startWorker(e, 'healthy-c');
    // Balanced: 1 or 2 each (which worker keeps 2 depends on where the planner's steals land).
    const all = [a, b, c];
    await waitFor('balanced', () => all.every((w) => w.shards().length >= 1 && w.shards().length <= 2) && all.reduce((n, w) => n + w.shards().length, 0) === 4, 60_000);

    // The partition starts right after the stuck worker's fence statement: its row lock stays on the server.
    const partitioned = proxy.blackholeAfterQuery((sql) => sql.startsWith('UPDATE leases SET checkpoint_seq'));
    const expected: TestRecord[] = await putRecords(e, { keys: 40, perKey: 5 });
    await partitioned;
    const partitionedAt = Date.now();
    // Balancing may have stolen a lease between the healthy two before; from here on they lose none.
    const lostBefore = b.counters.leasesLost + c.counters.leasesLost;
    const leases = new LeaseStore(e.store);
    const atPartition = await leases.listLeases('test-app');
    const stuckShards = atPartition.filter((l) => l.owner === 'stuck');
    assert.equal(stuckShards.length, a.shards().length);
    assert.ok(stuckShards.length >= 1);

    // Records for the healthy workers' shards, sent while the stuck transaction holds its lock.
    const more = await putRecords(e, { keys: 40, perKey: 5, startN: 5 });
    expected.push(...more);
    const healthyKeys = new Set(more.map((r) => r.k).filter((k) => !stuckShards.some((s) => s.shardId === shardOf(k, atPartition))));
    assert.ok(healthyKeys.size > 0);
    await waitFor(
      'the healthy shards to apply what was sent during the partition',
      async () => {
        const seen = new Set((await seenRows(e)).filter((r) => r.n >= 5).map((r) => `${r.pk}#${r.n}`));
        return more.filter((r) => healthyKeys.has(r.k)).every((r) => seen.has(`${r.k}#${r.n}`));
      },
      60_000,
    );
    const locked = await Promise.all(
      stuckShards.map((s) =>
        e.store.transaction((tx) => tx.query('SELECT 1 FROM leases WHERE app = ? AND shard_id = ? FOR UPDATE NOWAIT', ['test-app', s.shardId])).then(
          () => false,
          () => true,
        ),
      ),
    );
    assert.ok(locked.includes(true), 'the stuck transaction still held its lease row while the healthy workers applied');
    const now = await leases.listLeases('test-app');
    for (const s of stuckShards) assert.equal(now.find((l) => l.shardId === s.shardId)!.epoch, s.epoch, `${s.shardId} was not taken before its lease expired`);

    await waitFor('the stuck worker marks its leases lost although its queries hang', () => a.counters.leasesLost >= stuckShards.length, 60_000);
    await waitFor(
      'the stuck shards taken over',
      async () => (await leases.listLeases('test-app')).filter((l) => stuckShards.some((s) => s.shardId === l.shardId)).every((l) => l.owner !== null && l.owner !== 'stuck'),
      90_000,
    );
    const takeoverMs = Date.now() - partitionedAt;
    await waitFor('every record', async () => (await seenRows(e)).length >= expected.length, 90_000);
    t.diagnostic(`takeover ${takeoverMs} ms after the partition (lease ${LEASE_MS} ms, renew ${RENEW_MS} ms)`);

    await a.stop();
    await Promise.all([b.stop(), c.stop()]);
    assert.deepEqual(checkExactlyOnceInOrder(await seenRows(e), expected), []);
    assert.equal(b.counters.leasesLost + c.counters.leasesLost, lostBefore, 'the healthy workers lost no lease during the partition');
    assert.equal((await seenRows(e)).filter((r) => r.worker === 'stuck' && r.n >= 5).length, 0, 'nothing the stuck worker sent after the partition was committed');
  });
});
