// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import type { ProcessorFactory } from '../../src/coordinator/ShardProcessor.ts';
import { driveUntil } from '../helpers/driveClock.ts';
import { memoryRecorder, startMemoryWorker, type Committed } from '../helpers/memoryConsumer.ts';
import { memoryKinesis } from '../helpers/memoryKinesis.ts';

/** The in-memory table, logging the calls that matter for the shutdown order. */
function recording(clock: ManualClock, events: string[]) {
  const inner = new MemoryLeaseRepository(clock);
  const leases = Object.assign(Object.create(inner) as MemoryLeaseRepository, {
    claim: (...a: Parameters<MemoryLeaseRepository['claim']>) => inner.claim(...a).then((r) => (events.push(`claim ${a[1]}`), r)),
    renew: (...a: Parameters<MemoryLeaseRepository['renew']>) => inner.renew(...a).then((r) => (events.push(`renew ${a[1]}`), r)),
    release: (...a: Parameters<MemoryLeaseRepository['release']>) => inner.release(...a).then((r) => (events.push(`release ${a[1]}`), r)),
    removeWorker: (...a: Parameters<MemoryLeaseRepository['removeWorker']>) => inner.removeWorker(...a).then(() => void events.push('removeWorker')),
    fencedCommit: (...a: Parameters<MemoryLeaseRepository['fencedCommit']>) => inner.fencedCommit(...a).then((r) => (events.push(`commit ${a[1]}`), r)),
  });
  return leases;
}

describe('runConsumer on in-memory leases and a manual clock', () => {
  it('stop: planning stops, the batch in flight finishes, the processor flushes and commits, leases are released, renewal stops, the worker row goes', async () => {
    const clock = new ManualClock();
    const events: string[] = [];
    const leases = recording(clock, events);
    const kinesis = memoryKinesis(['s1', 's2']);
    const committed: Committed = [];
    let inFlight = false;
    let finishBatch!: () => void;
    const batchMayFinish = new Promise<void>((r) => (finishBatch = r));
    const record = memoryRecorder(committed, {
      async beforeCommit(records) {
        if (records[0]!.shardId !== 's1') return;
        inFlight = true;
        await batchMayFinish;
      },
    });
    const processor: ProcessorFactory<void> = async (ctx) => {
      const p = await record(ctx);
      let buffered = false;
      return {
        processBatch: async (records, info) => {
          await p.processBatch(records, info);
          buffered = true;
        },
        async shutdown() {
          events.push(`shutdown ${ctx.shardId}`);
          // A flush of what is buffered: one more commit at the same checkpoint (skipped by the table as already stored).
          if (buffered) await ctx.commit({ seq: committed.filter((c) => c.shardId === ctx.shardId).at(-1)!.seq, sub: 0, last: true });
        },
      };
    };
    const w = startMemoryWorker({ kinesis, leases, clock, processor, workerId: 'w' });
    kinesis.put('s2', 'x');
    await driveUntil('both shards worked', clock, () => w.shards().length === 2 && committed.length === 1, { stepMs: 10 });
    kinesis.put('s1', 'y');
    await driveUntil('s1 batch in flight', clock, () => inFlight, { stepMs: 10 });
    events.length = 0;
    const stopping = w.stop();
    await clock.advance(5_000);
    assert.deepEqual(events.filter((e) => e.startsWith('claim')), [], 'no lease taken once stop was called');
    assert.ok(!events.some((e) => e.startsWith('release s1')), 's1 is not released while its batch is in flight');
    finishBatch();
    await driveUntil('stopped', clock, () => events.includes('removeWorker'), { stepMs: 10 });
    await stopping;
    const first = (e: string) => events.indexOf(e);
    const last = (prefix: string) => events.map((e, i) => (e.startsWith(prefix) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    assert.ok(first('commit s1') < first('shutdown s1'), `the batch in flight commits before the processor shuts down: ${events.join(', ')}`);
    assert.ok(first('shutdown s1') < last('commit s1'), 'shutdown flushes through a commit');
    assert.ok(last('commit s1') < first('release s1'), 'the lease is released only after the last commit');
    for (const s of ['s1', 's2']) assert.ok(last(`renew ${s}`) < first(`release ${s}`), `no renewal of ${s} after its release`);
    assert.equal(events.at(-1), 'removeWorker', 'the worker row goes last');
    assert.deepEqual(committed.map((c) => c.value), ['x', 'y']);
  });

  it('a worker whose renewals stall loses its lease at expiry, another takes the shard, and the stalled batch commits nothing', async () => {
    const clock = new ManualClock();
    const inner = new MemoryLeaseRepository(clock);
    let unstall: (() => void) | undefined;
    const stalled = new Promise<void>((r) => (unstall = r));
    let stalling = false;
    const aLeases = Object.assign(Object.create(inner) as MemoryLeaseRepository, {
      // The database stops answering this worker's renewals (until the end of the test).
      renew: async (...a: Parameters<MemoryLeaseRepository['renew']>) => {
        if (stalling) await stalled;
        return inner.renew(...a);
      },
    });
    const kinesis = memoryKinesis(['s1']);
    const committed: Committed = [];
    let aInFlight = false;
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((r) => (releaseA = r));
    const a = startMemoryWorker({
      kinesis,
      leases: aLeases,
      clock,
      workerId: 'a',
      processor: memoryRecorder(committed, {
        beforeCommit: async () => {
          aInFlight = true;
          await aMayCommit;
        },
      }),
    });
    await driveUntil('a holds s1', clock, () => a.shards().length === 1, { stepMs: 10 });
    kinesis.put('s1', 1, 2, 3);
    await driveUntil('a batch in flight', clock, () => aInFlight, { stepMs: 10 });
    stalling = true;
    const b = startMemoryWorker({ kinesis, leases: inner, clock, processor: memoryRecorder(committed), workerId: 'b' });
    await driveUntil('a counts the lease lost', clock, () => a.counters.leasesLost === 1, { stepMs: 10 });
    await driveUntil('b works s1', clock, () => b.shards().length === 1 && committed.length === 3, { stepMs: 10 });
    releaseA();
    unstall!();
    await Promise.all([a.stop(), b.stop(), driveUntil('both stopped', clock, () => a.shards().length + b.shards().length === 0, { stepMs: 10 })]);
    assert.deepEqual(
      committed.map((c) => `${c.value}@${c.workerId}`),
      ['1@b', '2@b', '3@b'],
      'every record once, all from b: the stalled worker wrote nothing',
    );
    assert.equal(a.counters.commits, 0);
  });

  it('a lease released on shutdown is not counted as lost, and no timer is left behind', async () => {
    const clock = new ManualClock();
    const leases = new MemoryLeaseRepository(clock);
    const kinesis = memoryKinesis(['s1', 's2', 's3']);
    const w = startMemoryWorker({ kinesis, leases, clock, processor: memoryRecorder([]), workerId: 'w' });
    await driveUntil('all shards', clock, () => w.shards().length === 3);
    const stopping = w.stop();
    await driveUntil('stopped', clock, () => w.shards().length === 0, { stepMs: 10 });
    await stopping;
    await clock.advance(10 * 2_000);
    assert.deepEqual([w.counters.leasesReleased, w.counters.leasesLost], [3, 0]);
    assert.ok((await leases.listLeases('unit-app')).every((l) => l.owner === null));
    assert.deepEqual(await leases.listWorkers('unit-app'), []);
    assert.equal(clock.pending(), 0, 'expiry timers, watchdogs and loops all ended');
  });

  it('a batch that runs longer than the 1 s lease keeps the lease (renewal runs apart from processing), and the watchdog reports it', async () => {
    const clock = new ManualClock();
    const leases = new MemoryLeaseRepository(clock);
    const kinesis = memoryKinesis(['s1', 's2']);
    const committed: Committed = [];
    let slow = true;
    const record = memoryRecorder(committed, {
      async beforeCommit() {
        if (!slow) return;
        slow = false;
        await clock.sleep(3_500);
      },
    });
    const timings = { leaseDurationMs: 1_000, renewIntervalMs: 200, watchdogMs: 500 };
    const w = startMemoryWorker({ kinesis, leases, clock, processor: record, workerId: 'slow', options: timings });
    await driveUntil('slow holds both', clock, () => w.shards().length === 2, { stepMs: 10 });
    const other = startMemoryWorker({ kinesis, leases, clock, processor: memoryRecorder(committed), workerId: 'other', options: timings });
    kinesis.put('s1', 1, 2);
    kinesis.put('s2', 3, 4);
    await driveUntil('all records', clock, () => committed.length === 4, { stepMs: 10 });
    await Promise.all([w.stop(), other.stop(), driveUntil('both stopped', clock, () => w.shards().length + other.shards().length === 0, { stepMs: 10 })]);
    assert.equal(slow, false, 'the slow batch ran');
    assert.equal(w.counters.leasesLost, 0, 'the slow batch did not cost the lease');
    assert.equal(other.counters.leasesLost, 0);
    assert.ok(w.counters.stuckBatches >= 1, 'the watchdog reported the batch');
    assert.deepEqual(committed.map((c) => c.value).sort(), [1, 2, 3, 4]);
  });

  it('while ListShards fails, workers still renew, take and balance from the lease table', async () => {
    const clock = new ManualClock();
    const leases = new MemoryLeaseRepository(clock);
    const kinesis = memoryKinesis(['s1', 's2', 's3', 's4']);
    const a = startMemoryWorker({ kinesis, leases, clock, processor: memoryRecorder([]), workerId: 'a' });
    await driveUntil('a holds every shard', clock, () => a.shards().length === 4);
    kinesis.failListShards(true);
    const b = startMemoryWorker({ kinesis, leases, clock, processor: memoryRecorder([]), workerId: 'b' });
    await driveUntil('b takes its share without listing shards', clock, () => a.shards().length === 2 && b.shards().length === 2);
    await clock.advance(30_000);
    assert.ok(b.counters.shardSyncFailures > 0, 'its ListShards calls failed');
    assert.deepEqual([a.shards().length, b.shards().length], [2, 2], 'and stayed balanced for 30 s of clock time');
    await Promise.all([a.stop(), b.stop(), driveUntil('both stopped', clock, () => a.shards().length + b.shards().length === 0, { stepMs: 10 })]);
    assert.equal(a.counters.leasesLost + b.counters.leasesLost, b.counters.leasesStolen, 'renewal went on: a lease went only to a steal');
  });
});
