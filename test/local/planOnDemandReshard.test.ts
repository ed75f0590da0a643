// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planOnDemandReshard, type OnDemandPolicy, type ReshardAction, type ShardLoad } from '../../src/local/planOnDemandReshard.ts';

describe('on-demand resharding plan', () => {
  const MAX = 2n ** 128n - 1n;
  const Q = MAX / 4n;
  const four = (loads: number[]): ShardLoad[] => loads.map((bytesPerSec, i) => ({ shardId: `s${i}`, startingHashKey: Q * BigInt(i) + BigInt(i), endingHashKey: i === 3 ? MAX : Q * BigInt(i + 1) + BigInt(i), bytesPerSec }));
  const policy: OnDemandPolicy = { splitAboveBytesPerSec: 500_000, mergeBelowBytesPerSec: 10_000, minShards: 2, maxShards: 8 };
  const cases: Array<[string, ShardLoad[], Partial<OnDemandPolicy>, ReshardAction | undefined]> = [
    ['nothing to do in the middle band', four([100_000, 200_000, 300_000, 50_000]), {}, undefined],
    ['split the hottest shard in the middle of its range', four([100_000, 600_000, 900_000, 50_000]), {}, { kind: 'split', shardId: 's2', newStartingHashKey: ((Q * 2n + 2n + Q * 3n + 2n + 1n) / 2n).toString() }],
    ['no split at the shard maximum', four([100_000, 600_000, 900_000, 50_000]), { maxShards: 4 }, undefined],
    ['merge the coldest adjacent pair', four([5_000, 1_000, 2_000, 9_000]), {}, { kind: 'merge', shardId: 's1', adjacentShardId: 's2' }],
    ['no merge when one of the pair is warm', four([5_000, 50_000, 2_000, 50_000]), {}, undefined],
    ['no merge at the shard minimum', four([5_000, 1_000, 2_000, 9_000]), { minShards: 4 }, undefined],
    ['shards that do not touch are not merged', four([1, 1, 1, 1]).filter((s) => s.shardId !== 's1' && s.shardId !== 's3'), {}, undefined],
  ];
  for (const [name, loads, p, want] of cases) it(name, () => assert.deepEqual(planOnDemandReshard(loads, { ...policy, ...p }), want));
});
