// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shardExpired, withoutExpired } from '../../src/local/expiredShards.ts';

describe('expired shards', () => {
  const cases: Array<[string, number | undefined, number, boolean]> = [
    ['an open shard never expires', undefined, 10 ** 12, false],
    ['a shard closed within the retention is kept', 1000, 1000 + 60_000, false],
    ['a shard closed longer than the retention ago has expired', 1000, 1000 + 60_001, true],
  ];
  for (const [name, closedAt, now, want] of cases) it(name, () => assert.equal(shardExpired(closedAt, now, 60_000), want));

  it('withoutExpired keeps the order and drops only expired shards', () => {
    const closed = new Map([['s0', 0], ['s1', 50_000]]);
    const shards = [{ ShardId: 's0' }, { ShardId: 's1' }, { ShardId: 's2' }];
    assert.deepEqual(withoutExpired(shards, (id) => closed.get(id), 70_000, 60_000), [{ ShardId: 's1' }, { ShardId: 's2' }]);
  });
});
