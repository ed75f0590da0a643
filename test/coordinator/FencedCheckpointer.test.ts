// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsumerCounters } from '../../src/coordinator/ConsumerCounters.ts';
import { FencedCheckpointer } from '../../src/coordinator/FencedCheckpointer.ts';
import { LeaseKeeper } from '../../src/coordinator/LeaseKeeper.ts';
import { CheckpointOrderError, LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import { createShardStats } from '../../src/coordinator/ShardStats.ts';
import { StoreError } from '../../src/store/StoreError.ts';
import { silentLog } from '../helpers/consumerHarness.ts';
import { driveUntil } from '../helpers/driveClock.ts';

const D = 10_000;
const at = (seq: string, sub = 0) => ({ seq, sub, last: true });

/** One worker holding shard `s`: the worker's clock and the repository's may differ (a paused process, a skewed host). */
async function setup(o: { workerClock: ManualClock; repoClock?: ManualClock; leases?: (inner: MemoryLeaseRepository) => LeaseRepository<void>; stopping?: AbortSignal }) {
  const inner = new MemoryLeaseRepository(o.repoClock ?? o.workerClock);
  const leases = o.leases?.(inner) ?? inner;
  await leases.addShards('app', [{ shardId: 's', parentIds: [], hashStart: '0', hashEnd: '9' }]);
  const counters = createConsumerCounters();
  const clock = o.workerClock;
  const keeper = new LeaseKeeper({ app: 'app', workerId: 'me', leases, clock, log: silentLog, counters, leaseDurationMs: D, renewIntervalMs: 1_000, info: 'test' });
  const sentAt = clock.now();
  const lease = keeper.hold('s', (await leases.claim('app', 's', 'me', 0, D))!, sentAt);
  const checkpointer = new FencedCheckpointer({ app: 'app', workerId: 'me', leases, keeper, lease, clock, stopping: o.stopping ?? new AbortController().signal, log: silentLog, counters, stats: createShardStats('s', clock.now()) });
  return { inner, leases, counters, keeper, lease, checkpointer };
}

describe('FencedCheckpointer', () => {
  it('a zombie whose clock stood still past its lease commits nothing once another worker took the lease', async () => {
    const workerClock = new ManualClock();
    const repoClock = new ManualClock();
    const { inner, counters, lease, checkpointer } = await setup({ workerClock, repoClock });
    assert.equal(await checkpointer.commit(at('100'), async () => 'written'), 'written');
    // The worker's process is paused: the table's clock runs on, the worker's does not (its expiry timer never fires).
    await repoClock.advance(D);
    assert.equal(await inner.claim('app', 's', 'usurper', lease.epoch, D), lease.epoch + 1);
    let ran = false;
    await assert.rejects(
      checkpointer.commit(at('200'), async () => {
        ran = true;
      }),
      LeaseLostError,
    );
    assert.equal(ran, false, 'the fenced-off work never ran');
    assert.deepEqual([counters.commits, counters.fencedCommits, counters.leasesLost], [1, 1, 1]);
    assert.equal(lease.gone, true, 'the lease is marked lost: processing stops');
    assert.deepEqual((await inner.getLease('app', 's'))!.checkpoint, at('100'));
    await assert.rejects(checkpointer.commit(at('300')), LeaseLostError, 'and later commits are refused without asking the table');
  });

  it('a commit whose reply was lost is retried after a backoff and does not run its work twice', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const { inner, counters, checkpointer } = await setup({
      workerClock: clock,
      leases: (memory) =>
        Object.assign(Object.create(memory) as MemoryLeaseRepository, {
          async fencedCommit(...args: Parameters<MemoryLeaseRepository['fencedCommit']>) {
            const r = await memory.fencedCommit(...args);
            // The first try committed, but the connection broke before the reply came back.
            if (++calls === 1) throw new StoreError('memory', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
            return r;
          },
        }),
    });
    let ran = 0;
    let result: unknown = 'pending';
    void checkpointer.commit(at('100'), async () => ++ran).then((r) => (result = r));
    await driveUntil('the retry', clock, () => result !== 'pending', { stepMs: 10 });
    assert.equal(calls, 2);
    assert.equal(ran, 1, 'the work ran once: the retry found its checkpoint stored');
    assert.equal(result, undefined);
    assert.equal(counters.commits, 1);
    assert.deepEqual((await inner.getLease('app', 's'))!.checkpoint, at('100'));
  });

  it('a stop during a database outage ends the backoff at once and gives up after a few quick tries', async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    let calls = 0;
    const { counters, checkpointer } = await setup({
      workerClock: clock,
      stopping: stop.signal,
      leases: (memory) =>
        Object.assign(Object.create(memory) as MemoryLeaseRepository, {
          async fencedCommit() {
            calls++;
            throw new StoreError('memory', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
          },
        }),
    });
    const result: { outcome: unknown } = { outcome: 'pending' };
    void checkpointer.commit(at('100')).then(
      () => (result.outcome = 'committed'),
      (err: unknown) => (result.outcome = err),
    );
    // The outage outlasts many backoffs while the task runs…
    await driveUntil('a few retries', clock, () => calls >= 5, { stepMs: 100 });
    assert.ok(result.outcome === 'pending', 'while the task runs, a commit waits for the database');
    // …then the worker stops: no more waiting out the outage.
    const before = calls;
    stop.abort();
    await driveUntil('the commit gives up', clock, () => result.outcome !== 'pending', { stepMs: 100, maxMs: 5_000 });
    assert.ok((result.outcome as unknown) instanceof StoreError, `the last database error is thrown, got ${String(result.outcome)}`);
    assert.ok(calls - before <= 1 + 3, `at most the policy's few tries after the stop (${calls - before})`);
    assert.equal(counters.commits, 0);
  });

  it('a bug in the work (TypeError) is thrown at once, not retried', async () => {
    const clock = new ManualClock();
    const { checkpointer } = await setup({ workerClock: clock });
    let ran = 0;
    await assert.rejects(
      checkpointer.commit(at('100'), async () => {
        ran++;
        throw new TypeError('x is not a function');
      }),
      TypeError,
    );
    assert.equal(ran, 1);
  });

  it('refuses to move the checkpoint backwards before asking the table', async () => {
    const clock = new ManualClock();
    const { inner, checkpointer } = await setup({ workerClock: clock });
    await checkpointer.commit(at('100', 2));
    await assert.rejects(checkpointer.commit(at('100', 1)), (err: unknown) => err instanceof CheckpointOrderError && /behind/.test(err.message));
    assert.deepEqual((await inner.getLease('app', 's'))!.checkpoint, at('100', 2));
  });
});
