/** An open shard and the bytes per second written to it over the last interval. */
export interface ShardLoad {
  shardId: string;
  startingHashKey: bigint;
  endingHashKey: bigint;
  bytesPerSec: number;
}

export interface OnDemandPolicy {
  /** Split the hottest shard when it takes more than this. */
  splitAboveBytesPerSec: number;
  /** Merge two adjacent shards when each takes less than this. */
  mergeBelowBytesPerSec: number;
  minShards: number;
  maxShards: number;
}

export type ReshardAction =
  | { kind: 'split'; shardId: string; newStartingHashKey: string }
  | { kind: 'merge'; shardId: string; adjacentShardId: string };

/**
 * What an on-demand stream does on its own, one step per interval: split the hottest shard in the
 * middle of its hash range when it runs hot; otherwise merge the coldest adjacent pair when both
 * run cold. AWS does not document its exact rules; this keeps the observable effect (reshards
 * nobody asked for, while producing and consuming) with thresholds the caller chooses.
 */
export function planOnDemandReshard(open: readonly ShardLoad[], p: OnDemandPolicy): ReshardAction | undefined {
  const shards = [...open].sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : 1));
  const hottest = shards.reduce<ShardLoad | undefined>((h, s) => (!h || s.bytesPerSec > h.bytesPerSec ? s : h), undefined);
  if (hottest && hottest.bytesPerSec > p.splitAboveBytesPerSec && shards.length < p.maxShards && hottest.endingHashKey > hottest.startingHashKey) {
    const mid = (hottest.startingHashKey + hottest.endingHashKey + 1n) / 2n;
    return { kind: 'split', shardId: hottest.shardId, newStartingHashKey: mid.toString() };
  }
  if (shards.length <= p.minShards) return undefined;
  let best: [ShardLoad, ShardLoad] | undefined;
  for (let i = 1; i < shards.length; i++) {
    const [a, b] = [shards[i - 1]!, shards[i]!];
    if (a.endingHashKey + 1n !== b.startingHashKey) continue;
    if (a.bytesPerSec >= p.mergeBelowBytesPerSec || b.bytesPerSec >= p.mergeBelowBytesPerSec) continue;
    if (!best || a.bytesPerSec + b.bytesPerSec < best[0].bytesPerSec + best[1].bytesPerSec) best = [a, b];
  }
  return best && { kind: 'merge', shardId: best[0].shardId, adjacentShardId: best[1].shardId };
}
