// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShardCallCounts } from '../../src/local/ShardCallCounts.ts';

describe('ShardCallCounts', () => {
  it('counts admitted and throttled calls per shard per second and reports the busiest second', () => {
    const c = new ShardCallCounts(10);
    for (const t of [0, 100, 900]) c.record('s/a', t, true);
    c.record('s/a', 950, false);
    c.record('s/b', 500, true);
    c.record('s/a', 1000, true);
    assert.equal(c.maxAdmittedPerSecond(), 3);
    // 100, 900, 950 (throttled) and 1000 fall in one sliding second: four asked, across two clock seconds.
    assert.equal(c.maxCallsInAnySecond(), 4);
    assert.deepEqual(c.list(), [
      { shard: 's/a', second: 0, admitted: 3, throttled: 1 },
      { shard: 's/b', second: 0, admitted: 1, throttled: 0 },
      { shard: 's/a', second: 1, admitted: 1, throttled: 0 },
    ]);
    c.record('s/a', 20_000, true);
    assert.deepEqual(c.list().map((r) => r.second), [20]);
    assert.equal(c.maxCallsInAnySecond(), 1, 'calls older than keepSeconds are forgotten');
  });
});
