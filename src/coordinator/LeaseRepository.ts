import type { LeaseView } from './leasePlanner.ts';
import type { ShardInfo } from '../kinesis/KinesisReadPort.ts';
import type { Position, SHARD_END } from '../kinesis/position.ts';


export interface LeaseRow extends LeaseView {
  app: string;
  checkpoint: Position | undefined;
  hashStart: string;
  hashEnd: string;
  millisBehind: number | null;
  updatedAt: number;
}

export interface WorkerRow {
  app: string;
  workerId: string;
  heartbeatAt: number;
  startedAt: number;
  info: string;
}

export interface CommitOptions {
  /** Abandons the commit when aborted: nothing is written, and a statement still waiting fails. */
  signal?: AbortSignal;
}

/**
 * The lease table and worker heartbeats, as the coordinator uses them. Every ownership change is
 * a compare-and-set on the epoch; losing a race is `undefined`/`false`, not an error. Expiry and
 * heartbeats are judged by the repository's own clock (`now`), never a worker's. `Tx` is what a
 * fenced commit hands its work: the SQL transaction for the SQL table, nothing for the in-memory one.
 */
export interface LeaseRepository<Tx> {
  /** The repository's clock, in epoch milliseconds: the one clock leases are judged by. */
  now(): Promise<number>;
  listLeases(app: string): Promise<LeaseRow[]>;
  getLease(app: string, shardId: string): Promise<LeaseRow | undefined>;
  /** Creates lease rows for shards not seen before; returns how many were new. */
  addShards(app: string, shards: readonly ShardInfo[]): Promise<number>;
  heartbeat(app: string, workerId: string, info: string): Promise<void>;
  listWorkers(app: string): Promise<WorkerRow[]>;
  removeWorker(app: string, workerId: string): Promise<void>;
  /**
   * Takes a lease seen at `epoch`: free, expired or already ours, or — for a steal — still held by
   * `from`. Returns the new epoch, or undefined if someone else changed the lease first.
   */
  claim(app: string, shardId: string, me: string, epoch: number, durationMs: number, from?: string): Promise<number | undefined>;
  /** Extends a lease this worker holds to `durationMs` from the repository's now; false means it was lost. */
  renew(app: string, shardId: string, me: string, epoch: number, durationMs: number, millisBehind: number | null): Promise<boolean>;
  /** Gives a lease up at once, so another worker takes it on its next cycle. */
  release(app: string, shardId: string, me: string, epoch: number): Promise<boolean>;
  /**
   * Atomically: move the checkpoint (or end the shard, which frees the lease) and run `work`, only
   * if this worker still holds the lease at `epoch` (LeaseLostError otherwise, nothing written). A
   * concurrent claim or renewal of the row waits for the commit. When the stored checkpoint already
   * equals `to`, an earlier try of this very commit went through (its reply was lost): `work` is
   * not run again and the result is `undefined`. A checkpoint behind the stored one is a
   * CheckpointOrderError.
   */
  fencedCommit<T>(app: string, shardId: string, me: string, epoch: number, to: Position | typeof SHARD_END, work?: (tx: Tx) => Promise<T>, options?: CommitOptions): Promise<T | undefined>;
}
