import type { PutResultEntry } from '../kinesis/KinesisWritePort.ts';
import { rangeHolds, type ShardRange } from '../kinesis/shardMap.ts';

/** What the producer sent as one Kinesis record. */
export interface SentRecord {
  /** The shard the map predicted (undefined: no prediction). */
  shardId: string | undefined;
  /** The hash key of each user record inside, in order (an aggregate's sub-records, or the one plain record). */
  userHashes: readonly bigint[];
}

export interface PutOutcome {
  /** Indexes of records Kinesis accepted with every user record inside the reported shard's range. */
  acked: number[];
  /**
   * Records Kinesis accepted on a shard whose hash range excludes some of their user records (an
   * aggregate routed by a stale explicit hash key after a split): those user records (`users`,
   * indexes into `userHashes`) must be sent again; a KCL reader drops them from this shard.
   */
  misplaced: Array<{ index: number; users: number[] }>;
  /** Records accepted on a shard the map does not know: judge them again after a refresh. */
  unknownShard: number[];
  /** Indexes of records to retry, with the error code Kinesis gave. */
  failed: Array<{ index: number; errorCode: string }>;
  /** Records refused for throughput (a subset of `failed`). */
  throttled: number;
  /** A record landed on a shard other than the one the map predicted: the map is stale (resharding). */
  staleMap: boolean;
}

/**
 * Splits a PutRecords response into acknowledged, misplaced and failed records. `shards` holds
 * the hash range of every shard the map knows (closed ones too), by id.
 */
export function classifyPutResult(sent: readonly SentRecord[], results: readonly PutResultEntry[], shards: ReadonlyMap<string, Pick<ShardRange, 'start' | 'end'>>): PutOutcome {
  const out: PutOutcome = { acked: [], misplaced: [], unknownShard: [], failed: [], throttled: 0, staleMap: false };
  for (let index = 0; index < results.length; index++) {
    const r = results[index]!;
    if (r.errorCode) {
      out.failed.push({ index, errorCode: r.errorCode });
      if (r.errorCode === 'ProvisionedThroughputExceededException') out.throttled++;
      continue;
    }
    const s = sent[index]!;
    if (s.shardId !== undefined && r.shardId !== undefined && r.shardId !== s.shardId) out.staleMap = true;
    if (r.shardId === undefined) {
      out.acked.push(index);
      continue;
    }
    const range = shards.get(r.shardId);
    if (!range) {
      out.unknownShard.push(index);
      continue;
    }
    let users: number[] | undefined;
    for (let i = 0; i < s.userHashes.length; i++) if (!rangeHolds(range, s.userHashes[i]!)) (users ??= []).push(i);
    if (users) out.misplaced.push({ index, users });
    else out.acked.push(index);
  }
  return out;
}
