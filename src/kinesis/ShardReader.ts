import { KinesisError } from './KinesisError.ts';
import type { IteratorStart, KinesisReadPort } from './KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import { backoffDelay, isMarkedRetriable, pause, policies } from '../util/retry.ts';
import { deaggregate, type ConsumedRecord, type HashRange } from './deaggregate.ts';
import { paceRead, type LastRead, type ReadPacing } from './paceRead.ts';
import type { Position } from './position.ts';

export interface ReaderOptions extends ReadPacing {
  /** Upper bound of GetRecords' Limit (AWS allows 10,000). */
  maxRecordsPerFetch: number;
}

/** What readers did, summed over the shards of a worker (or an audit). */
export interface ReadCounters {
  getRecordsCalls: number;
  /** Reads refused for throttling (ProvisionedThroughputExceededException): expected traffic, paced, never an error. */
  readsThrottled: number;
  bytesRead: number;
  /** Sub-records dropped for lying outside their shard's hash range (a KCL reader drops them too). */
  subRecordsDropped: number;
  /** Shards found gone (past the retention) and treated as ended. */
  shardsExpired: number;
}

export function createReadCounters(): ReadCounters {
  return { getRecordsCalls: 0, readsThrottled: 0, bytesRead: 0, subRecordsDropped: 0, shardsExpired: 0 };
}

export interface Fetched {
  records: ConsumedRecord[];
  millisBehindLatest: number | undefined;
  /** The shard is closed and everything in it was returned — or it is gone (`expired`). */
  end: boolean;
  /** Bytes of the response charged to the reader's budget until the caller releases them; absent when nothing was charged (no budget, no records, a pushed subscription). */
  bytes?: number;
  /** The shard no longer exists (it outlived the stream's retention): its children may start. */
  expired?: boolean;
}

/**
 * Room for fetched bytes: the shard's part of its worker's memory budget (coordinator/ByteBudget).
 * `acquire` waits and grants up to `want` (0: give up, the signal aborted); `settle` charges what
 * the response really brought; `release` gives bytes back.
 */
export interface ReadBudget {
  acquire(want: number, signal?: AbortSignal): Promise<number>;
  settle(granted: number, actual: number): void;
  release(bytes: number): void;
}

export interface ShardReaderInput {
  kinesis: KinesisReadPort;
  shardId: string;
  /** The shard's hash range: sub-records outside it are dropped. */
  range: HashRange | undefined;
  from: Position | undefined;
  initial: IteratorStart;
  options: ReaderOptions;
  counters: ReadCounters;
  log: Logger;
  signal: AbortSignal;
  /** The shard task's part of the worker's memory budget: each call waits for room and is sized to what it was granted. */
  budget?: ReadBudget | undefined;
  /** Asked after ResourceNotFoundException: true when ListShards no longer returns the shard. */
  shardGone?: () => Promise<boolean>;
  now?: () => number;
  random?: () => number;
}

/**
 * Reads one shard in order from a position: the iterator comes from the checkpoint (AT the
 * sequence when an aggregate was only partly processed, AFTER it otherwise) or the initial
 * position; calls are paced by `paceRead` (this application's share of the shard's read
 * limits); throttling slows it down and is counted; expired iterators are renewed from the last
 * record returned; other retriable failures (network, 5xx) are retried with `policies.kinesisRead`
 * until the signal aborts; anything else is thrown. With a memory budget, each call first waits
 * for room in it and asks for no more than it was granted; the bytes a response brings stay
 * charged until the caller releases them (when they are committed).
 */
export class ShardReader {
  readonly shardId: string;
  private iterator: string | undefined;
  private position: Position | undefined;
  private limit: number;
  /** Mean size of the records of the last non-empty response. */
  private avgBytes: number | undefined;
  private targetBytes: number;
  /** This application's byte budget on the shard at the current call (see paceRead). */
  private budget: number;
  private lastCallAt: number | undefined;
  private last: LastRead = { budgetBytes: 0, records: true, millisBehindLatest: undefined, idleStreak: 0, throttledStreak: 0 };
  private failures = 0;
  private droppedHere = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly i: ShardReaderInput) {
    this.shardId = i.shardId;
    this.position = i.from;
    this.now = i.now ?? Date.now;
    this.random = i.random ?? Math.random;
    // Start small: until the first response shows record sizes, a large Limit could return far more
    // than this application's share of the shard (100 aggregates of 50 KiB are 5 MiB).
    this.limit = Math.min(i.options.maxRecordsPerFetch, 10);
    this.budget = paceRead(i.options, this.last).targetBytes;
    this.targetBytes = this.budget;
  }

  private start(): IteratorStart {
    const p = this.position;
    if (!p) return this.i.initial;
    return p.last ? { type: 'AFTER_SEQUENCE_NUMBER', seq: p.seq } : { type: 'AT_SEQUENCE_NUMBER', seq: p.seq };
  }

  /** Waits until pacing allows the next call. */
  private async paced(): Promise<void> {
    if (this.lastCallAt === undefined) return;
    const d = paceRead(this.i.options, this.last, this.random);
    const wait = this.lastCallAt + d.waitMs - this.now();
    if (wait > 0) await pause(wait, this.i.signal);
    // What accrued since the last call (more when that call, its processing or a timer was slow), capped.
    this.budget = Math.min(d.capBytes, this.last.budgetBytes + d.bytesPerMs * (this.now() - this.lastCallAt));
    this.targetBytes = Math.max(1, Math.min(this.i.options.maxBytesPerFetch, Math.floor(this.budget)));
  }

  private noteDropped(n: number): void {
    this.i.counters.subRecordsDropped += n;
    // Once per shard: a producer without the re-send (or an old one) leaves such copies behind at every reshard.
    if (this.droppedHere === 0) this.i.log.info({ shardId: this.shardId, dropped: n }, 'dropped sub-records outside this shard\'s hash range (as the KCL does); counted in subRecordsDropped');
    this.droppedHere += n;
  }

  /** The next batch; an empty one at the tip. Resolves early (empty) when the signal aborts. */
  async next(): Promise<Fetched> {
    const { kinesis, counters, log, signal, budget } = this.i;
    while (!signal.aborted) {
      await this.paced();
      if (signal.aborted) break;
      const granted = budget ? await budget.acquire(this.targetBytes, signal) : this.targetBytes;
      if (signal.aborted || granted === 0) {
        budget?.release(granted);
        break;
      }
      let charged = granted;
      try {
        this.iterator ??= await kinesis.getShardIterator(this.shardId, this.start());
        this.lastCallAt = this.now();
        counters.getRecordsCalls++;
        // A smaller grant than the pacing target: fewer records, rounded down so that the response fits in it.
        const limit = granted < this.targetBytes && this.avgBytes !== undefined ? Math.max(1, Math.min(this.limit, Math.floor(granted / this.avgBytes))) : this.limit;
        const r = await kinesis.getRecords(this.iterator, limit);
        this.failures = 0;
        const { records, bytes, dropped } = deaggregate(this.shardId, r.records, this.position, this.i.range);
        budget?.settle(granted, bytes);
        charged = bytes;
        counters.bytesRead += bytes;
        if (dropped > 0) this.noteDropped(dropped);
        if (r.records.length > 0) {
          this.avgBytes = Math.max(1, bytes / r.records.length);
          // Rounded up: an overshoot only delays the next call (paceRead waits bytes ÷ share of the rate).
          this.limit = Math.max(1, Math.min(this.i.options.maxRecordsPerFetch, Math.ceil(this.targetBytes / this.avgBytes)));
        }
        this.iterator = r.nextIterator;
        if (records.length > 0) this.position = records[records.length - 1]!;
        const end = r.nextIterator === undefined;
        const behind = (r.millisBehindLatest ?? 0) > 0;
        const atTip = r.records.length === 0 && !behind;
        this.last = { budgetBytes: this.budget - bytes, records: r.records.length > 0, millisBehindLatest: r.millisBehindLatest, idleStreak: atTip ? this.last.idleStreak + 1 : 0, throttledStreak: 0 };
        if (records.length > 0) return { records, millisBehindLatest: r.millisBehindLatest, end, ...(budget ? { bytes } : {}) };
        // Nothing to hand on: the budget goes back at once.
        budget?.release(charged);
        charged = 0;
        if (end) return { records, millisBehindLatest: r.millisBehindLatest, end };
        // Behind the tip (or everything here was dropped): read on at the paced interval.
        if (!atTip) continue;
        return { records: [], millisBehindLatest: r.millisBehindLatest, end: false };
      } catch (err) {
        budget?.release(charged);
        const k = err instanceof KinesisError ? err : undefined;
        if (k?.iteratorExpired) {
          this.iterator = undefined;
          continue;
        }
        if (k?.throttled) {
          counters.readsThrottled++;
          this.lastCallAt = this.now();
          this.last = { ...this.last, budgetBytes: this.budget, throttledStreak: this.last.throttledStreak + 1 };
          log.debug({ shardId: this.shardId, code: k.awsCode, streak: this.last.throttledStreak }, 'read throttled; slowing down');
          continue;
        }
        if (k?.awsCode === 'ResourceNotFoundException' && this.i.shardGone && (await this.i.shardGone().catch(() => false))) {
          counters.shardsExpired++;
          log.warn({ shardId: this.shardId, after: this.position ? `${this.position.seq}/${this.position.sub}` : 'nothing read' }, 'shard is gone (past the stream\'s retention); treating it as ended so its children start');
          return { records: [], millisBehindLatest: undefined, end: true, expired: true };
        }
        if (!isMarkedRetriable(err)) throw err;
        this.failures++;
        const wait = backoffDelay(this.failures, policies.kinesisRead, this.random);
        const level = this.failures >= 5 ? 'warn' : 'debug';
        log[level]({ shardId: this.shardId, err: String(err), attempt: this.failures, waitMs: wait }, 'GetRecords failed, retrying');
        await pause(wait, this.i.signal);
      }
    }
    return { records: [], millisBehindLatest: undefined, end: false };
  }
}
