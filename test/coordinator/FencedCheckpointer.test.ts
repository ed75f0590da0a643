// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsumerCounters } from '../../src/coordinator/ConsumerCounters.ts';
import { FencedCheckpointer } from '../../src/coordinator/FencedCheckpointer.ts';
import { LeaseKeeper } from '../../src/coordinator/LeaseKeeper.ts';
import { LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
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
async function setup(o: { workerClock: ManualClock; repoClock?: ManualClock; leases?: (inner: MemoryLeaseRepository) => LeaseRepository<void> }) {
  const inner = new MemoryLeaseRepository(o.repoClock ?? o.workerClock);
  const leases = o.leases?.(inner) ?? inner;
  await leases.addShards('app', [{ shardId: 's', parentIds: [], hashStart: '0', hashEnd: '9' }]);
  const counters = createConsumerCounters();
  const clock = o.workerClock;
  const keeper = new LeaseKeeper({ app: 'app', workerId: 'me', leases, clock, log: silentLog, counters, leaseDurationMs: D, renewIntervalMs: 1_000, info: 'test' });
  const sentAt = clock.now();
  const lease = keeper.hold('s', (await leases.claim('app', 's', 'me', 0, D))!, sentAt);
  const checkpointer = new FencedCheckpointer({ app: 'app', workerId: 'me', leases, keeper, lease, clock, log: silentLog, counters, stats: createShardStats('s', clock.now()) });
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

  it('refuses to move the checkpoint backwards before asking the table', async () => {
    const clock = new ManualClock();
    const { inner, checkpointer } = await setup({ workerClock: clock });
    await checkpointer.commit(at('100', 2));
    await assert.rejects(checkpointer.commit(at('100', 1)), /behind/);
    assert.deepEqual((await inner.getLease('app', 's'))!.checkpoint, at('100', 2));
  });
});
