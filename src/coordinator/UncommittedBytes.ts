import type { BudgetAccount } from './ByteBudget.ts';
import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import { comparePosition, type Position } from '../kinesis/position.ts';

interface HeldBatch {
  /** Positions of the batch's records, in order (references to the records' own strings). */
  seqs: string[];
  subs: number[];
  /** Bytes up to and including record i: the response's bytes spread over its records by their size. */
  through: number[];
  /** Bytes of this batch already given back. */
  released: number;
}

/**
 * The budget a shard task holds for records it fetched but has not committed yet, in stream
 * order: a record's bytes go back to the worker's budget once a commit reaches it (the dashboard
 * commits every batch; the archive only when an object is committed, often in the middle of a
 * batch, so its buffer keeps counting), and all of it when the attempt ends, however it ends.
 * Only positions are kept, never the records, so what is held does not keep their data alive.
 */
export class UncommittedBytes {
  private readonly batches: HeldBatch[] = [];

  constructor(private readonly account: BudgetAccount) {}

  /** A batch handed to the processor, with the bytes its response was charged. */
  hold(records: readonly Pick<ConsumedRecord, 'seq' | 'sub' | 'data'>[], bytes: number): void {
    if (bytes <= 0) return;
    if (records.length === 0) return this.account.release(bytes);
    let weight = 0;
    const sizes = records.map((r) => (weight += Math.max(1, r.data.byteLength)));
    this.batches.push({
      seqs: records.map((r) => r.seq),
      subs: records.map((r) => r.sub),
      through: sizes.map((w, i) => (i === sizes.length - 1 ? bytes : Math.floor((bytes * w) / weight))),
      released: 0,
    });
  }

  /** A commit moved the checkpoint to `upTo`: the records it covers are durable. */
  committed(upTo: Position): void {
    let freed = 0;
    while (this.batches.length > 0) {
      const b = this.batches[0]!;
      const covered = this.coveredCount(b, upTo);
      if (covered > 0) {
        freed += b.through[covered - 1]! - b.released;
        b.released = b.through[covered - 1]!;
      }
      if (covered < b.seqs.length) break;
      this.batches.shift();
    }
    this.account.release(freed);
  }

  /** The attempt is over (done, failed or the lease is gone): everything goes back. */
  close(): void {
    this.batches.length = 0;
    this.account.close();
  }

  /** How many of the batch's records lie at or before `upTo` (they are in stream order). */
  private coveredCount(b: HeldBatch, upTo: Position): number {
    let lo = 0;
    let hi = b.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePosition({ seq: b.seqs[mid]!, sub: b.subs[mid]! }, upTo) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
