/**
 * AWS: a closed shard's data is kept for the stream's retention period; after that the shard
 * expires — ListShards no longer returns it and GetShardIterator/GetRecords answer
 * ResourceNotFoundException. `closedAt` is when the shard was seen closed; open shards never expire.
 */
export function shardExpired(closedAt: number | undefined, now: number, retentionMs: number): boolean {
  return closedAt !== undefined && now - closedAt > retentionMs;
}

/** The shards of a ListShards/DescribeStream answer that have not expired. */
export function withoutExpired<S extends { ShardId?: string }>(shards: readonly S[], closedAt: (shardId: string) => number | undefined, now: number, retentionMs: number): S[] {
  return shards.filter((s) => !shardExpired(closedAt(s.ShardId ?? ''), now, retentionMs));
}
