import type { ReaderOptions } from '../kinesis/ShardReader.ts';

export interface CoordinatorOptions extends ReaderOptions {
  leaseDurationMs: number;
  renewIntervalMs: number;
  takeIntervalMs: number;
  shardSyncIntervalMs: number;
  watchdogMs: number;
}
