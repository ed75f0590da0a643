// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planChaos } from '../../src/chaos/chaosSchedule.ts';
import { formatChaosReport } from '../../src/chaos/formatChaosReport.ts';

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

describe('chaos report', () => {
  it('fits one screen and names every figure', () => {
    const lines = formatChaosReport({
      ok: true,
      seconds: 95.2,
      events: { records: 100_000, distinct: 90_000, files: 100 },
      duplicates: { inInput: 10_000, absorbed: 10_350 },
      kills: [
        ...Array.from({ length: 20 }, (_, i) => ({ atMs: 3_000 * (i + 1), process: i % 2 ? 'dashboard-1' : 'archive-1', pid: 100 + i, shards: i % 5 ? 2 : 0, recoveryMs: 5_500 + i * 10 })),
        { atMs: 20_000, process: 'produce', pid: 9, shards: 0, recoveryMs: undefined },
      ],
      reshards: [{ atMs: 30_000, what: 'split shardId-000000000000' }, { atMs: 50_000, what: 'merge 2+3' }],
      dbRestarts: [{ atMs: 70_000, downMs: 3_400 }],
      maxLagMs: 12_345,
      audit: ['dashboard ok', 'archive ok', 'OK: every event exactly once, in order.'],
    });
    assert.ok(lines.length <= 24, `${lines.length} lines`);
    assert.ok(lines.every((l) => l.length <= 160));
    const text = lines.join('\n');
    for (const s of ['100000 records', '90000 distinct', '10350 absorbed', '21 × kill -9', 'produce 1', 'reshards   2', '1 restart', 'max lag    12.3 s', 'median 5.', 'CLEAN']) assert.ok(text.includes(s), s);
  });
});

describe('end-to-end lag', () => {
  it('is the age of the oldest published file not fully applied', async () => {
    const { endToEndLagMs } = await import('../../src/chaos/endToEndLag.ts');
    const cum = [90, 180, 270];
    assert.equal(endToEndLagMs(cum, [1000, 2000, 3000], 270, 5000), 0);
    assert.equal(endToEndLagMs(cum, [1000, 2000, 3000], 100, 5000), 3000);
    assert.equal(endToEndLagMs(cum, [1000, 2000, 3000], 0, 5000), 4000);
    assert.equal(endToEndLagMs(cum, [1000, undefined, undefined], 90, 5000), 0);
  });
});
