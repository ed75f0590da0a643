import type { SqlExecutor } from '../store/Store.ts';
import type { Logger } from '../log/createLogger.ts';
import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import type { Position } from '../kinesis/position.ts';

/** What a processor gets from the runtime for one lease. `Tx` is what a fenced commit hands its work (the SQL transaction in production). */
export interface ShardContext<Tx = SqlExecutor> {
  readonly app: string;
  readonly shardId: string;
  readonly epoch: number;
  readonly workerId: string;
  readonly log: Logger;
  /** Aborted when this worker stops working the shard: lease lost, released, or shutdown. */
  readonly signal: AbortSignal;
  /**
   * Runs `work` and moves the checkpoint to `upTo` in one transaction, only while this worker
   * holds the lease at `epoch`. Throws LeaseLostError (nothing written) when it does not.
   */
  commit<T>(upTo: Position, work?: (tx: Tx) => Promise<T>): Promise<T | undefined>;
  /**
   * This shard's fair share of the worker's memory budget now (Infinity without a budget). What
   * it fetched counts against it until committed, so a processor that buffers across batches
   * must commit before its buffer fills the share, or reading the shard stops.
   */
  memoryShareBytes?(): number;
}

/** One shard's processing, created per lease; its state dies with the lease. */
export interface ShardProcessor {
  processBatch(records: ConsumedRecord[], info: { millisBehindLatest: number | undefined }): Promise<void>;
  /** The shard is closed and fully read: flush and commit what is buffered. */
  shardEnded?(): Promise<void>;
  /** Graceful stop or hand-off: flush and commit what is buffered. */
  shutdown?(): Promise<void>;
  /** The lease is gone: drop buffered state; commits would fail anyway. */
  leaseLost?(): void;
}

export type ProcessorFactory<Tx = SqlExecutor> = (ctx: ShardContext<Tx>) => ShardProcessor | Promise<ShardProcessor>;
