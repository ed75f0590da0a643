import type { ReaderOptions } from '../kinesis/ShardReader.ts';

export interface CoordinatorOptions extends ReaderOptions {
  leaseDurationMs: number;
  renewIntervalMs: number;
  takeIntervalMs: number;
  shardSyncIntervalMs: number;
  watchdogMs: number;
  /** Fetched-but-uncommitted bytes this worker may hold, shared fairly by its shards; 0 or absent: no bound. */
  memoryBudgetBytes?: number;
}
