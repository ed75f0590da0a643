import type { PutResultEntry } from './KinesisPort.ts';

export interface PutOutcome {
  /** Indexes of records Kinesis accepted. */
  acked: number[];
  /** Indexes of records to retry, with the error code Kinesis gave. */
  failed: Array<{ index: number; errorCode: string }>;
  /** Records refused for throughput (a subset of `failed`). */
  throttled: number;
  /** A record landed on a shard other than the one the map predicted: the map is stale (resharding). */
  staleMap: boolean;
}

/**
 * Splits a PutRecords response into acknowledged and failed records. `expectedShards[i]` is the
 * shard the map predicted for request record i (undefined: no prediction).
 */
export function classifyPutResult(expectedShards: readonly (string | undefined)[], results: readonly PutResultEntry[]): PutOutcome {
  const out: PutOutcome = { acked: [], failed: [], throttled: 0, staleMap: false };
  results.forEach((r, index) => {
    if (r.errorCode) {
      out.failed.push({ index, errorCode: r.errorCode });
      if (r.errorCode === 'ProvisionedThroughputExceededException') out.throttled++;
      return;
    }
    out.acked.push(index);
    const expected = expectedShards[index];
    if (expected !== undefined && r.shardId !== undefined && r.shardId !== expected) out.staleMap = true;
  });
  return out;
}
