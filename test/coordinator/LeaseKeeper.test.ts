// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsumerCounters } from '../../src/coordinator/ConsumerCounters.ts';
import { LeaseKeeper } from '../../src/coordinator/LeaseKeeper.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import { silentLog } from '../helpers/consumerHarness.ts';

const D = 10_000;
const RENEW = 1_000;

/** The in-memory table, with renewals that can be made to hang (a DB that stops answering this worker). */
function stallable(clock: ManualClock) {
  const inner = new MemoryLeaseRepository(clock);
  let stalled = false;
  let renewals = 0;
  const leases: LeaseRepository<void> = Object.assign(Object.create(inner) as MemoryLeaseRepository, {
    renew(...args: Parameters<MemoryLeaseRepository['renew']>) {
      renewals++;
      return stalled ? new Promise<boolean>(() => {}) : inner.renew(...args);
    },
  });
  return {
    inner,
    leases,
    stall: () => (stalled = true),
    renewals: () => renewals,
  };
}

async function holding(clock: ManualClock, leases: LeaseRepository<void>) {
  await leases.addShards('app', [{ shardId: 's', parentIds: [], hashStart: '0', hashEnd: '9' }]);
  const counters = createConsumerCounters();
  const keeper = new LeaseKeeper({ app: 'app', workerId: 'me', leases, clock, log: silentLog, counters, leaseDurationMs: D, renewIntervalMs: RENEW, info: 'test' });
  const sentAt = clock.now();
  const epoch = (await leases.claim('app', 's', 'me', 0, D))!;
  const lease = keeper.hold('s', epoch, sentAt);
  return { keeper, counters, lease };
}

describe('LeaseKeeper', () => {
  it('renewal keeps a lease through many lease durations, moving its expiry in the table', async () => {
    const clock = new ManualClock();
    const { leases } = stallable(clock);
    const { keeper, counters, lease } = await holding(clock, leases);
    const stop = new AbortController();
    const renewing = keeper.run(stop.signal);
    await clock.advance(10 * D);
    assert.equal(lease.gone, false);
    assert.equal(counters.leasesLost, 0);
    assert.ok((await leases.getLease('app', 's'))!.expiresAt > clock.now() + D - 2 * RENEW);
    stop.abort();
    await renewing;
  });

  it('a worker whose renewal stalls loses the lease at its expiry, although the renewal never answers', async () => {
    const clock = new ManualClock();
    const s = stallable(clock);
    const { keeper, counters, lease } = await holding(clock, s.leases);
    const stop = new AbortController();
    const renewing = keeper.run(stop.signal);
    await clock.advance(3 * RENEW);
    const lastRenewalSent = clock.now();
    s.stall();
    await clock.advance(D - 1);
    assert.equal(lease.gone, false, 'held until the expiry of the last renewal that went through');
    assert.ok(s.renewals() > 3, 'a renewal was sent after the stall, and hangs');
    await clock.advance(1);
    assert.equal(clock.now(), lastRenewalSent + D);
    assert.equal(lease.gone, true);
    assert.equal(lease.lostSignal.aborted, true, 'a commit still waiting is abandoned');
    assert.equal(counters.leasesLost, 1);
    // The cycle itself still waits on the hung renewal (in production the lease pool's statement timeout ends it).
    stop.abort();
    void renewing;
  });

  it('a refused renewal is a loss: another worker holds the lease', async () => {
    const clock = new ManualClock();
    const { inner, leases } = stallable(clock);
    const { keeper, counters, lease } = await holding(clock, leases);
    assert.equal(await inner.claim('app', 's', 'other', lease.epoch, D, 'me'), lease.epoch + 1);
    await keeper.renewCycle();
    assert.equal(lease.gone, true);
    assert.equal(counters.leasesLost, 1);
  });

  it('a lease given back is released and counted as released, never as lost, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const { leases } = stallable(clock);
    const { keeper, counters, lease } = await holding(clock, leases);
    await keeper.giveBack(lease);
    await keeper.renewCycle();
    await clock.advance(2 * D);
    assert.deepEqual([counters.leasesReleased, counters.leasesLost], [1, 0]);
    assert.equal((await leases.getLease('app', 's'))!.owner, null);
    assert.equal(keeper.get('s'), undefined);
    assert.equal(clock.pending(), 0);
  });

  it('abandon is a crash: nothing released, nothing counted, the row stays until it expires', async () => {
    const clock = new ManualClock();
    const { leases } = stallable(clock);
    const { keeper, counters, lease } = await holding(clock, leases);
    keeper.abandon();
    await keeper.giveBack(lease);
    await keeper.leave();
    assert.deepEqual([counters.leasesReleased, counters.leasesLost], [0, 0]);
    assert.equal((await leases.getLease('app', 's'))!.owner, 'me');
  });
});
