// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../src/produce/TokenBucket.ts';

describe('token bucket', () => {
  const cases: Array<{ name: string; rate: number; cap: number; steps: Array<[number, number, boolean]> }> = [
    { name: 'starts full, refuses past capacity', rate: 1000, cap: 1000, steps: [[0, 600, true], [0, 600, false], [0, 400, true]] },
    { name: 'refills with time, capped', rate: 1000, cap: 1000, steps: [[0, 1000, true], [500, 600, false], [600, 600, true], [10_000, 1001, false], [10_000, 1000, true]] },
    { name: 'a refused take takes nothing', rate: 10, cap: 10, steps: [[0, 11, false], [0, 10, true]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = new TokenBucket(c.rate, c.cap, 0);
      c.steps.forEach(([at, n, ok], i) => assert.equal(b.tryTake(n, at), ok, `step ${i}`));
    });
  }
  it('says how long until n tokens are there', () => {
    const b = new TokenBucket(1000, 1000, 0);
    b.tryTake(1000, 0);
    assert.equal(b.msUntil(500, 0), 500);
    assert.equal(b.msUntil(500, 250), 250);
    assert.equal(b.msUntil(2000, 0), Infinity);
  });
});
