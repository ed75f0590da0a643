// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import { driveUntil } from '../helpers/driveClock.ts';
import { leaseOnlyWorker } from '../helpers/leaseOnlyWorker.ts';

const timings = { leaseDurationMs: 10_000, renewIntervalMs: 1_000, takeIntervalMs: 500 };
const shards = (n: number) => Array.from({ length: n }, (_, i) => ({ shardId: `shard-${String(i).padStart(3, '0')}`, parentIds: [], hashStart: '0', hashEnd: '9' }));

async function setup(n: number) {
  const clock = new ManualClock();
  const leases = new MemoryLeaseRepository(clock);
  await leases.addShards('app', shards(n));
  const start = (workerId: string) => leaseOnlyWorker({ app: 'app', workerId, leases, clock, timings });
  return { clock, leases, start };
}

describe('PlanCycle (real planner and lease keeper on in-memory leases and a manual clock)', () => {
  it('workers joining one by one end with ⌊N/W⌋…⌈N/W⌉ leases each, every lease held by exactly its owner, none lost but to a steal', async () => {
    const { clock, leases, start } = await setup(10);
    const w1 = start('w1');
    await driveUntil('w1 holds every shard', clock, () => w1.shards().length === 10);
    const w2 = start('w2');
    const w3 = start('w3');
    const all = [w1, w2, w3];
    await driveUntil('balanced', clock, () => all.every((w) => w.shards().length >= 3 && w.shards().length <= 4) && all.reduce((n, w) => n + w.shards().length, 0) === 10);
    // Stable: another minute of cycles moves nothing.
    const owners = async () => (await leases.listLeases('app')).map((l) => `${l.shardId}=${l.owner}@${l.epoch}`);
    const settled = await owners();
    await clock.advance(60_000);
    assert.deepEqual(await owners(), settled, 'no lease changes hands once the share is even');
    for (const l of await leases.listLeases('app')) assert.ok(all.find((w) => w.workerId === l.owner)!.shards().includes(l.shardId), `${l.shardId} held by its owner ${l.owner}`);
    const sum = (k: 'leasesLost' | 'leasesStolen') => all.reduce((n, w) => n + w.counters[k], 0);
    assert.equal(sum('leasesLost'), sum('leasesStolen'), 'a lease is lost only to a steal: hand-offs are releases, and nothing expired');
    assert.ok(w1.counters.leasesReleased >= 6, 'w1 handed off what it held above its share');
    await Promise.all(all.map((w) => w.stop()));
    assert.ok((await leases.listLeases('app')).every((l) => l.owner === null), 'every lease released on stop');
    assert.deepEqual(await leases.listWorkers('app'), []);
  });

  it("a crashed worker's leases are taken only once they expire by the repository's clock, then spread over the others", async () => {
    const { clock, leases, start } = await setup(6);
    const w1 = start('w1');
    const w2 = start('w2');
    const w3 = start('w3');
    await driveUntil('balanced', clock, () => [w1, w2, w3].every((w) => w.shards().length === 2));
    w1.crash();
    const crashed = (await leases.listLeases('app')).filter((l) => l.owner === 'w1');
    assert.equal(crashed.length, 2);
    const expiry = Math.min(...crashed.map((l) => l.expiresAt));
    await clock.advance(expiry - clock.now() - 1);
    assert.ok((await leases.listLeases('app')).filter((l) => l.owner === 'w1').length === 2, 'nobody takes a lease before it expires');
    await driveUntil('taken over', clock, () => w2.shards().length === 3 && w3.shards().length === 3);
    assert.equal(w2.counters.leasesLost + w3.counters.leasesLost, 0);
    await Promise.all([w2.stop(), w3.stop()]);
  });

  it('a worker leaving gracefully hands its leases over within a few planning cycles, not a lease duration', async () => {
    const { clock, start } = await setup(4);
    const w1 = start('w1');
    const w2 = start('w2');
    await driveUntil('balanced', clock, () => w1.shards().length === 2 && w2.shards().length === 2);
    const stoppedAt = clock.now();
    await w1.stop();
    assert.equal(w1.counters.leasesLost, 0, 'its leases were released, not lost');
    assert.deepEqual(w1.shards(), []);
    await driveUntil('w2 holds all', clock, () => w2.shards().length === 4, { stepMs: 100 });
    assert.ok(clock.now() - stoppedAt < timings.leaseDurationMs, `hand-over took ${clock.now() - stoppedAt} ms of clock time`);
    await w2.stop();
  });
});
