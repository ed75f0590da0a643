// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planChaos } from '../../tools/chaos/chaosSchedule.ts';

describe('chaos schedule', () => {
  const plan = planChaos({ durationMs: 60_000, workers: ['dashboard-1', 'dashboard-2', 'archive-1'], seed: 7 });
  it('has two producer kills, one split, one merge and one DB restart, in time order', () => {
    assert.equal(plan.filter((a) => a.kind === 'kill-producer').length, 2);
    assert.equal(plan.filter((a) => a.kind === 'split').length, 1);
    assert.equal(plan.filter((a) => a.kind === 'merge').length, 1);
    assert.equal(plan.filter((a) => a.kind === 'restart-db').length, 1);
    for (let i = 1; i < plan.length; i++) assert.ok(plan[i]!.atMs >= plan[i - 1]!.atMs);
    const split = plan.find((a) => a.kind === 'split')!;
    const merge = plan.find((a) => a.kind === 'merge')!;
    assert.ok(split.atMs < merge.atMs, 'split before merge');
  });
  it('kills workers every few seconds, never the same one twice in a row, all within the run', () => {
    const kills = plan.filter((a) => a.kind === 'kill-worker');
    assert.ok(kills.length >= 60 / 7 - 2, `${kills.length} kills`);
    for (let i = 1; i < kills.length; i++) {
      const gap = kills[i]!.atMs - kills[i - 1]!.atMs;
      assert.ok(gap >= 3_000 && gap <= 7_000, `gap ${gap}`);
      assert.notEqual((kills[i] as { worker: string }).worker, (kills[i - 1] as { worker: string }).worker);
    }
    assert.ok(kills.every((k) => k.atMs < 54_000));
    assert.deepEqual(new Set(kills.map((k) => (k as { worker: string }).worker)), new Set(['dashboard-1', 'dashboard-2', 'archive-1']));
  });
  it('is deterministic for a seed', () => {
    assert.deepEqual(planChaos({ durationMs: 60_000, workers: ['a', 'b'], seed: 3 }), planChaos({ durationMs: 60_000, workers: ['a', 'b'], seed: 3 }));
  });
});
