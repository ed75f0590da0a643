import { createHash } from 'node:crypto';

export interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
  /** Decimal StartingHashKey: the explicit hash key that routes an aggregate to this shard. */
  startingHashKey: string;
}

/** Open shards sorted by their hash-key range, and every listed shard (closed ones too) by id. */
export interface ShardMap {
  readonly shards: readonly ShardRange[];
  /** Where PutRecords may report a record landed: any shard ListShards returned. */
  readonly byId: ReadonlyMap<string, ShardRange>;
}

export interface ShardDescription {
  ShardId?: string | undefined;
  HashKeyRange?: { StartingHashKey?: string | undefined; EndingHashKey?: string | undefined } | undefined;
  SequenceNumberRange?: { EndingSequenceNumber?: string | undefined } | undefined;
}

/** The shard map from ListShards output: closed shards (with an ending sequence number) are left out. */
export function buildShardMap(shards: readonly ShardDescription[]): ShardMap {
  const open: ShardRange[] = [];
  const byId = new Map<string, ShardRange>();
  for (const s of shards) {
    if (!s.ShardId || !s.HashKeyRange?.StartingHashKey || !s.HashKeyRange.EndingHashKey) continue;
    const range = { shardId: s.ShardId, start: BigInt(s.HashKeyRange.StartingHashKey), end: BigInt(s.HashKeyRange.EndingHashKey), startingHashKey: s.HashKeyRange.StartingHashKey };
    byId.set(s.ShardId, range);
    if (s.SequenceNumberRange?.EndingSequenceNumber === undefined) open.push(range);
  }
  open.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return { shards: open, byId };
}

/** Kinesis's hash of a partition key: MD5 read as an unsigned 128-bit big-endian integer. */
export function hashKeyOf(partitionKey: string): bigint {
  const d = createHash('md5').update(partitionKey, 'utf8').digest();
  return (d.readBigUInt64BE(0) << 64n) | d.readBigUInt64BE(8);
}

export function rangeHolds(range: Pick<ShardRange, 'start' | 'end'>, hashKey: bigint): boolean {
  return hashKey >= range.start && hashKey <= range.end;
}

/** Index of the open shard whose range holds `hashKey`, or -1 when none does (a gap while resharding). */
export function shardIndexFor(map: ShardMap, hashKey: bigint): number {
  let lo = 0;
  let hi = map.shards.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = map.shards[mid]!;
    if (hashKey < s.start) hi = mid - 1;
    else if (hashKey > s.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}
