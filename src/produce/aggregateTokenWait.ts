import { tokenWaitMs, type BucketView } from './TokenBucket.ts';

/** Protobuf overhead allowed on top of the ready bytes when all of them fit in one aggregate. */
const AGGREGATE_OVERHEAD = 64;

export interface AggregateTokenInput {
  /** Bytes of events ready on the shard. */
  readyBytes: number;
  aggregationMaxBytes: number;
  /** UTF-8 length of the aggregate's partition key (Kinesis counts it with the data). */
  pkLen: number;
  bytes: BucketView;
  records: BucketView;
}

/**
 * How long a shard waits before it builds its next aggregate: 0 to build it now. It waits for one
 * record token and for the byte tokens of a whole aggregate (or of everything ready, if less), so
 * a shard held at its rate limit sends full aggregates instead of slivers as tokens trickle in.
 */
export function aggregateTokenWait(a: AggregateTokenInput): number {
  if (a.records.available < 1) return tokenWaitMs(a.records, 1);
  const want = Math.min(a.aggregationMaxBytes, a.readyBytes + AGGREGATE_OVERHEAD) + a.pkLen;
  return tokenWaitMs(a.bytes, Math.min(want, a.bytes.capacity));
}
