import { setTimeout as delay } from 'node:timers/promises';
import { awsErrorName, isTransientAwsError } from '../aws/awsErrors.ts';
import type { Logger } from '../log/createLogger.ts';
import type { IteratorStart, KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import { backoffDelay } from '../util/retry.ts';
import { deaggregate, type ConsumedRecord } from './deaggregate.ts';
import type { Position } from './position.ts';

export interface ReaderOptions {
  /** Upper bound of GetRecords' Limit (AWS allows 10,000). */
  maxRecordsPerFetch: number;
  /** Target response size; Limit adapts to the record sizes seen so one response stays near it. */
  maxBytesPerFetch: number;
  /** First wait after an empty response; doubles up to idleMaxMs. */
  idleMs: number;
  idleMaxMs: number;
}

export interface Fetched {
  records: ConsumedRecord[];
  millisBehindLatest: number | undefined;
  /** The shard is closed and everything in it was returned. */
  end: boolean;
}

/**
 * Reads one shard in order from a position: the iterator comes from the checkpoint (AT the
 * sequence when an aggregate was only partly processed, AFTER it otherwise) or the initial
 * position; expired iterators are renewed from the last record returned; throttling and
 * network errors are retried with backoff.
 */
export class ShardReader {
  private iterator: string | undefined;
  private position: Position | undefined;
  private limit: number;
  private idle = 0;
  private failures = 0;

  constructor(
    private readonly kinesis: KinesisReadPort,
    readonly shardId: string,
    from: Position | undefined,
    private readonly initial: IteratorStart,
    private readonly o: ReaderOptions,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {
    this.position = from;
    // Start small: until the first response shows record sizes, a large Limit could return hundreds of MB.
    this.limit = Math.min(o.maxRecordsPerFetch, 100);
  }

  private start(): IteratorStart {
    const p = this.position;
    if (!p) return this.initial;
    return p.last ? { type: 'AFTER_SEQUENCE_NUMBER', seq: p.seq } : { type: 'AT_SEQUENCE_NUMBER', seq: p.seq };
  }

  private async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.signal }).catch(() => undefined);
  }

  /** The next batch; an empty one after an idle wait. Resolves early (empty) when the signal aborts. */
  async next(): Promise<Fetched> {
    while (!this.signal.aborted) {
      try {
        this.iterator ??= await this.kinesis.getShardIterator(this.shardId, this.start());
        const r = await this.kinesis.getRecords(this.iterator, this.limit);
        this.failures = 0;
        const { records, bytes } = deaggregate(this.shardId, r.records, this.position);
        if (r.records.length > 0) {
          const avg = bytes / r.records.length;
          this.limit = Math.max(1, Math.min(this.o.maxRecordsPerFetch, Math.floor(this.o.maxBytesPerFetch / Math.max(avg, 1))));
        }
        this.iterator = r.nextIterator;
        if (records.length > 0) this.position = records[records.length - 1]!;
        const end = r.nextIterator === undefined;
        if (records.length > 0 || end) {
          this.idle = 0;
          return { records, millisBehindLatest: r.millisBehindLatest, end };
        }
        if (r.records.length > 0) continue;
        this.idle = Math.min(this.o.idleMaxMs, this.idle === 0 ? this.o.idleMs : this.idle * 2);
        await this.pause(this.idle);
        return { records: [], millisBehindLatest: r.millisBehindLatest, end: false };
      } catch (err) {
        const name = awsErrorName(err);
        if (name === 'ExpiredIteratorException') {
          this.iterator = undefined;
          continue;
        }
        if (!isTransientAwsError(err)) throw err;
        this.failures++;
        const wait = backoffDelay(this.failures, { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 });
        const level = this.failures >= 5 ? 'warn' : 'debug';
        this.log[level]({ shardId: this.shardId, err: String(err), attempt: this.failures, waitMs: wait }, 'GetRecords failed, retrying');
        await this.pause(wait);
      }
    }
    return { records: [], millisBehindLatest: undefined, end: false };
  }
}
