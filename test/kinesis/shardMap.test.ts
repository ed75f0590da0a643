// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildShardMap, hashKeyOf, shardIndexFor } from '../../src/kinesis/shardMap.ts';

const MAX = 2n ** 128n - 1n;
const fourShards = buildShardMap(
  [0n, 1n, 2n, 3n].map((i) => ({
    ShardId: `shardId-00000000000${i}`,
    HashKeyRange: { StartingHashKey: String((MAX / 4n) * i + (i > 0n ? i : 0n)), EndingHashKey: String(i === 3n ? MAX : (MAX / 4n) * (i + 1n) + i) },
    SequenceNumberRange: {},
  })),
);

describe('shard map', () => {
  it('hashes a partition key like Kinesis: MD5 as an unsigned 128-bit integer', () => {
    for (const key of ['', 'a', 'user-42@example.com', '山田']) {
      assert.equal(hashKeyOf(key), BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex')));
    }
  });

  const cases: Array<[string, bigint, number]> = [
    ['lowest key', 0n, 0],
    ['end of shard 0', MAX / 4n, 0],
    ['start of shard 1', MAX / 4n + 1n, 1],
    ['middle', MAX / 2n + 5n, 2],
    ['highest key', MAX, 3],
  ];
  for (const [name, hash, want] of cases) it(`finds the shard for the ${name}`, () => assert.equal(shardIndexFor(fourShards, hash), want));

  it('leaves closed shards out and sorts by range; a gap finds no shard', () => {
    const map = buildShardMap([
      { ShardId: 'b', HashKeyRange: { StartingHashKey: '100', EndingHashKey: '199' } },
      { ShardId: 'parent', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '199' }, SequenceNumberRange: { EndingSequenceNumber: '9' } },
      { ShardId: 'a', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '49' } },
    ]);
    assert.deepEqual(map.shards.map((s) => s.shardId), ['a', 'b']);
    assert.equal(shardIndexFor(map, 75n), -1);
    assert.equal(map.shards[1]!.startingHashKey, '100');
  });
});
