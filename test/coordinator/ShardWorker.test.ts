// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../src/coordinator/ByteBudget.ts';
import { createConsumerCounters } from '../../src/coordinator/ConsumerCounters.ts';
import { LeaseKeeper } from '../../src/coordinator/LeaseKeeper.ts';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import type { ProcessorFactory } from '../../src/coordinator/ShardProcessor.ts';
import { ShardWorker } from '../../src/coordinator/ShardWorker.ts';
import { fastCoordinator, silentLog } from '../helpers/consumerHarness.ts';
import { driveUntil } from '../helpers/driveClock.ts';
import { memoryKinesis } from '../helpers/memoryKinesis.ts';
import { memoryRecorder, type Committed } from '../helpers/memoryConsumer.ts';

const D = 60_000;

async function setup(processor: ProcessorFactory<void>, budget?: ByteBudget) {
  const clock = new ManualClock();
  const leases = new MemoryLeaseRepository(clock);
  const kinesis = memoryKinesis(['s']);
  await leases.addShards('app', await kinesis.listShards());
  const counters = createConsumerCounters();
  const keeper = new LeaseKeeper({ app: 'app', workerId: 'me', leases, clock, log: silentLog, counters, leaseDurationMs: D, renewIntervalMs: 1_000, info: 'test' });
  const sentAt = clock.now();
  const lease = keeper.hold('s', (await leases.claim('app', 's', 'me', 0, D))!, sentAt);
  let ended = 0;
  const worker = new ShardWorker(lease, {
    app: 'app',
    workerId: 'me',
    leases,
    keeper,
    processor,
    kinesis,
    initialPosition: { type: 'TRIM_HORIZON' },
    options: fastCoordinator,
    clock,
    log: silentLog,
    counters,
    budget,
    onShardEnded: () => ended++,
  });
  let finished = false;
  void worker.done.then(() => (finished = true));
  return { clock, leases, kinesis, counters, keeper, lease, worker, ended: () => ended, finished: () => finished };
}

describe('ShardWorker', () => {
  it('after a processor error it restarts from the checkpoint, waiting a backoff that grows', async () => {
    const committed: Committed = [];
    const record = memoryRecorder(committed);
    const attempts: number[] = [];
    const failures: number[] = [];
    let dropped = 0;
    let clockNow = () => 0;
    const processor: ProcessorFactory<void> = async (ctx) => {
      attempts.push(clockNow());
      const inner = await record(ctx);
      const attempt = attempts.length;
      return {
        async processBatch(records, info) {
          // The first attempt commits one batch, then fails; the second fails at once; the third goes on.
          if (attempt === 1 && committed.length > 0) throw (failures.push(clockNow()), new Error('boom 1'));
          if (attempt === 2) throw (failures.push(clockNow()), new Error('boom 2'));
          return inner.processBatch(records, info);
        },
        leaseLost: () => void dropped++,
      };
    };
    const s = await setup(processor);
    clockNow = () => s.clock.now();
    s.kinesis.put('s', 1, 2, 3);
    await driveUntil('the first batch', s.clock, () => committed.length === 3, { stepMs: 10 });
    s.kinesis.put('s', 4, 5);
    await driveUntil('the third attempt reads on', s.clock, () => committed.length === 5, { stepMs: 10 });
    assert.deepEqual(
      committed.map((c) => c.value),
      [1, 2, 3, 4, 5],
      'every record once, in order: each restart began at the checkpoint',
    );
    assert.equal(s.counters.processorErrors, 2);
    assert.equal(dropped, 2, 'each failed processor was told to drop its state');
    assert.equal(attempts.length, 3);
    const waited = [attempts[1]! - failures[0]!, attempts[2]! - failures[1]!];
    // backoffDelay(round, 500 ms initial, ×2, jitter 0.3): 350–500 ms, then 700–1000 ms (+ one 10 ms step).
    assert.ok(waited[0]! >= 350 && waited[0]! <= 510, `first restart after ${waited[0]} ms`);
    assert.ok(waited[1]! >= 700 && waited[1]! <= 1_010, `second restart after ${waited[1]} ms`);
    s.worker.stop();
    await driveUntil('stopped', s.clock, s.finished);
    assert.equal(s.counters.leasesReleased, 1);
  });

  it('at the end of the shard: shardEnded, a SHARD_END commit that frees the row, no release, children requested', async () => {
    let shardEnded = 0;
    const committed: Committed = [];
    const record = memoryRecorder(committed);
    const s = await setup(async (ctx) => ({ ...(await record(ctx)), shardEnded: async () => void shardEnded++ }));
    s.kinesis.put('s', 'a', 'b');
    s.kinesis.close('s');
    await driveUntil('done', s.clock, s.finished, { stepMs: 10 });
    assert.deepEqual(committed.map((c) => c.value), ['a', 'b']);
    assert.equal(shardEnded, 1);
    assert.equal(s.ended(), 1);
    assert.deepEqual([s.counters.shardsEnded, s.counters.leasesReleased, s.counters.leasesLost], [1, 0, 0]);
    const row = (await s.leases.getLease('app', 's'))!;
    assert.deepEqual([row.state, row.owner, row.checkpoint?.seq], ['ended', null, 'SHARD_END']);
  });

  it('a hand-off finishes the batch in flight, flushes through shutdown and releases the lease', async () => {
    let shutdowns = 0;
    const committed: Committed = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inFlight = false;
    const record = memoryRecorder(committed, {
      beforeCommit: () => {
        inFlight = true;
        return gate;
      },
    });
    const s = await setup(async (ctx) => ({ ...(await record(ctx)), shutdown: async () => void shutdowns++ }));
    s.kinesis.put('s', 1, 2);
    await driveUntil('a batch in flight', s.clock, () => inFlight, { stepMs: 10 });
    s.worker.handOff();
    s.worker.handOff();
    release();
    await driveUntil('done', s.clock, s.finished, { stepMs: 10 });
    assert.deepEqual(committed.map((c) => c.value), [1, 2], 'the batch in flight was committed');
    assert.equal(shutdowns, 1);
    assert.deepEqual([s.counters.leasesReleased, s.counters.leasesLost], [1, 0]);
    assert.equal((await s.leases.getLease('app', 's'))!.owner, null);
  });
  it('reads within its memory budget: the read-ahead waits until the batch in hand is committed', async () => {
    const budget = new ByteBudget(8);
    const committed: Committed = [];
    const inUse: number[] = [];
    const s = await setup(memoryRecorder(committed, { beforeCommit: async () => void inUse.push(budget.inUse) }), budget);
    s.kinesis.put('s', ...Array.from({ length: 40 }, (_, i) => i % 10));
    await driveUntil('every record', s.clock, () => committed.length === 40, { stepMs: 10 });
    assert.deepEqual(committed.map((c) => c.value), Array.from({ length: 40 }, (_, i) => i % 10), 'every record once, in order');
    // One-byte records: the first call asks for 10 records before it knows their size; after that, never past the 8 bytes.
    assert.ok(inUse.length >= 5, `${inUse.length} batches`);
    assert.ok(inUse.slice(1).every((n) => n <= 8), `bytes held at each commit: ${inUse.join(', ')}`);
    await driveUntil('all given back', s.clock, () => budget.inUse === 0, { stepMs: 10 });
    s.worker.stop();
    await driveUntil('stopped', s.clock, s.finished);
  });

  it('a shard whose lease is lost while it holds budget gives all of it back', async () => {
    const budget = new ByteBudget(1024);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inFlight = false;
    let dropped = 0;
    const committed: Committed = [];
    const record = memoryRecorder(committed, {
      beforeCommit: () => {
        inFlight = true;
        return gate;
      },
    });
    const s = await setup(async (ctx) => ({ ...(await record(ctx)), leaseLost: () => void dropped++ }), budget);
    s.kinesis.put('s', 1, 2, 3);
    await driveUntil('a batch in flight', s.clock, () => inFlight, { stepMs: 10 });
    assert.ok(budget.inUse > 0, 'the batch in flight holds budget');
    assert.ok(await s.leases.claim('app', 's', 'thief', s.lease.epoch, D, 'me'), 'another worker took the lease');
    release();
    await driveUntil('done', s.clock, s.finished, { stepMs: 10 });
    assert.deepEqual(committed, [], 'the fenced commit wrote nothing');
    assert.equal(dropped, 1);
    assert.equal(budget.inUse, 0, 'nothing stays held for a shard this worker no longer works');
    assert.equal(await budget.open('next').acquire(1024), 1024, 'the next shard task gets the whole budget');
  });
});
