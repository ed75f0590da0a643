// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTimings, runCoordinationScenario } from '../helpers/coordinationSim.ts';

describe('coordination at scale, small (real planner, lease keeper and discovery on in-memory leases and a manual clock)', () => {
  it('20 workers over 200 shards: join, crash, leave, join, a partition (cut off, back) and a 10 % reshard each balance within 10 planning cycles, and no lease is ever owned twice', { timeout: 60_000 }, async () => {
    const r = await runCoordinationScenario({
      shards: 200,
      workers: 20,
      joinSpreadMs: 10_000,
      crash: 2,
      leave: 2,
      join: 3,
      cutOff: 2,
      reshardFraction: 0.1,
      // A 2 s planning cycle, so a crashed worker's leases (10 s) expire within 5 cycles.
      timings: { ...defaultTimings, takeIntervalMs: 2_000 },
      maxCycles: 30,
      stableCycles: 3,
      steadyMs: 20_000,
    });
    assert.deepEqual(r.violations, [], 'no lease owned by two live workers, nor acted on without its row');
    assert.ok(r.checks > 1_000, `the invariant was checked after every lease-changing call (${r.checks} checks)`);
    assert.deepEqual(
      r.events.map((e) => e.name),
      ['20 workers join over 10 s', '2 workers crash', '2 workers leave', '3 workers join', '2 workers cut off from the database', '2 workers reconnect', 'reshard: 20 shards split'],
    );
    for (const e of r.events) assert.ok(e.cycles !== null && e.cycles <= 10, `${e.name}: balanced after ${e.cycles ?? 'more than 30'} cycles`);
    const [, crash, leave, join, cut, , reshard] = r.events;
    assert.equal(crash!.leasable, 200);
    assert.ok(crash!.changes.taken >= 18, `the crashed workers' leases were taken once expired (${crash!.changes.taken})`);
    assert.ok(leave!.changes.released >= 18, `leaving workers released their leases (${leave!.changes.released})`);
    assert.equal(leave!.changes.lost, leave!.changes.stolen, 'after a graceful leave a lease is lost only to a steal');
    assert.ok(join!.changes.stolen > 0, 'new workers got their share by stealing');
    assert.ok(cut!.changes.lost >= 10 && cut!.changes.taken >= 10, `cut-off workers lost their leases by their own timers and others took them (${JSON.stringify(cut!.changes)})`);
    assert.equal(reshard!.leasable, 220, '20 parents ended, 40 children leasable');
    assert.equal(r.steady.calls.claim, 0, 'nothing changes hands in the steady state');
    assert.equal(r.steady.calls.listLeases, r.steady.workers * (r.steady.simMs / 2_000), 'one listing per worker per planning cycle');
  });
});
