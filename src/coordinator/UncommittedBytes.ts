import type { BudgetAccount } from './ByteBudget.ts';
import { comparePosition, type Position } from './position.ts';

/**
 * The budget a shard task holds for batches it fetched but has not committed yet, in stream
 * order: a batch's bytes go back to the worker's budget once a commit reaches its last record
 * (the dashboard commits every batch; the archive only when an object is committed, so its
 * buffer keeps counting), and all of it when the attempt ends, however it ends.
 */
export class UncommittedBytes {
  private readonly batches: Array<{ last: Position; bytes: number }> = [];

  constructor(private readonly account: BudgetAccount) {}

  /** A batch handed to the processor; empty batches hold nothing. */
  hold(last: Position | undefined, bytes: number): void {
    if (bytes <= 0) return;
    if (!last) this.account.release(bytes);
    else this.batches.push({ last, bytes });
  }

  /** A commit moved the checkpoint to `upTo`: the batches it covers are durable. */
  committed(upTo: Position): void {
    let freed = 0;
    while (this.batches.length > 0 && comparePosition(this.batches[0]!.last, upTo) <= 0) freed += this.batches.shift()!.bytes;
    this.account.release(freed);
  }

  /** The attempt is over (done, failed or the lease is gone): everything goes back. */
  close(): void {
    this.batches.length = 0;
    this.account.close();
  }
}
