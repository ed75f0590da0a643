// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullPushBudget, recordsToPush, refillBytes, type PushBudget } from '../../src/local/pushBudget.ts';

describe('recordsToPush: 2 MiB/s per consumer per shard, at least one record while the budget is positive', () => {
  const L = 1000;
  const cases: Array<[string, PushBudget, number[], number, number, number]> = [
    // name, budget, sizes, now, records pushed, bytes left
    ['all fit in a full budget', fullPushBudget(L, 0), [300, 300, 300], 0, 3, 100],
    ['stops before the record that would not fit', fullPushBudget(L, 0), [400, 400, 400], 0, 2, 200],
    ['one record larger than the budget still goes, leaving a debt', fullPushBudget(L, 0), [2500, 10], 0, 1, -1500],
    ['nothing while the budget is spent', { bytes: 0, at: 0 }, [10], 0, 0, 0],
    ['nothing while a debt remains after refilling', { bytes: -1500, at: 0 }, [10], 1000, 0, -500],
    ['refilled half a second: half the budget', { bytes: 0, at: 0 }, [200, 200, 200], 500, 2, 100],
    ['refill is capped at one second', { bytes: 0, at: 0 }, [600, 600], 10_000, 1, 400],
    ['no records: nothing taken', fullPushBudget(L, 0), [], 0, 0, 1000],
  ];
  for (const [name, b, sizes, now, count, left] of cases)
    it(name, () => {
      const r = recordsToPush(b, sizes, L, now);
      assert.equal(r.count, count);
      assert.equal(r.bytes, sizes.slice(0, count).reduce((a, x) => a + x, 0));
      assert.equal(r.budget.bytes, left);
    });

  it('over a long run pushes no more than the rate plus one second of burst plus one record', () => {
    let b = fullPushBudget(L, 0);
    let pushed = 0;
    for (let t = 0; t <= 10_000; t += 50) {
      const r = recordsToPush(b, Array(50).fill(130), L, t);
      b = r.budget;
      pushed += r.bytes;
    }
    assert.ok(pushed <= 10 * L + L + 130, `pushed ${pushed}`);
    assert.ok(pushed >= 10 * L, `pushed ${pushed}`);
  });

  it('refillBytes adds time × rate, capped at one second', () => {
    assert.equal(refillBytes(0, 0, 1000, 250), 250);
    assert.equal(refillBytes(-100, 0, 1000, 2000), 1000);
    assert.equal(refillBytes(5, 10, 1000, 5), 5);
  });
});
