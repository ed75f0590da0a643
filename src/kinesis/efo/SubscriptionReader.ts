import { setTimeout as delay } from 'node:timers/promises';
import { awsErrorName } from '../../aws/awsErrors.ts';
import { isMarkedRetriable } from '../../util/retry.ts';
import { KinesisError } from '../KinesisError.ts';
import { deaggregate } from '../deaggregate.ts';
import type { Position } from '../position.ts';
import type { Fetched, ShardReaderInput } from '../ShardReader.ts';
import type { EfoPort, SubscribeEvent } from './EfoPort.ts';
import { subscribeRetry, subscribeSpacing } from './subscribeRetry.ts';
import { subscriptionStart } from './subscriptionStart.ts';

/** Errors inside a running subscription that retrying cannot cure; anything else there (a reset connection, a silent stream) ends only that subscription. */
function fatalInStream(name: string | undefined): boolean {
  return name === 'AccessDeniedException' || (name?.startsWith('KMS') === true && name !== 'KMSThrottlingException');
}

/** As ShardReader's input, with a subscription instead of GetRecords (no pacing: AWS pushes at 2 MiB/s per shard to each consumer). */
export type SubscriptionReaderInput = Omit<ShardReaderInput, 'kinesis' | 'options'> & {
  efo: EfoPort;
  /** The application's registered, ACTIVE consumer (see ensureStreamConsumer); asked before each subscription. */
  consumerArn: () => Promise<string>;
  /** Bounds of one batch made of events already received (default 10,000 records, 1 MiB of Kinesis bytes); the first event is always whole. */
  batch?: { maxRecords: number; maxBytes: number };
};

const NOT_READY = Symbol('not ready');

/**
 * Reads one shard through enhanced fan-out with the same contract as ShardReader: `next()`
 * returns the next batch of user records (de-aggregated, checkpoint sub-records dropped), empty
 * at the tip, `end` at a closed shard's end. One subscription at a time; it follows the
 * continuation sequence numbers and resubscribes after the last one when AWS ends the
 * subscription (every 5 minutes) or it fails, so nothing is skipped or repeated. A `next()`
 * waits for one event and adds the events with records that have already arrived behind it, up
 * to the batch bounds: while the processor is behind, it catches up a batch per commit, and the
 * events beyond a batch wait in HTTP/2 flow control rather than in memory.
 */
export class SubscriptionReader {
  readonly shardId: string;
  /** SubscribeToShard calls made (the first, every resubscription and retry). */
  subscriptions = 0;
  private position: Position | undefined;
  private continuation: string | undefined;
  private events: AsyncIterator<SubscribeEvent> | undefined;
  /** An event asked for and not yet handed out (see `ready`): the next pull takes it. */
  private pending: Promise<IteratorResult<SubscribeEvent>> | undefined;
  /** MillisBehindLatest of the last event of the batch `more` made. */
  private lastBehind: number | undefined;
  private current: AbortController | undefined;
  private lastSubscribeAt: number | undefined;
  private failures = 0;
  private droppedHere = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly i: SubscriptionReaderInput) {
    this.shardId = i.shardId;
    this.position = i.from;
    this.now = i.now ?? Date.now;
    this.random = i.random ?? Math.random;
    i.signal.addEventListener('abort', () => this.close(), { once: true });
  }

  private async pause(ms: number): Promise<void> {
    if (ms > 0) await delay(ms, undefined, { signal: this.i.signal }).catch(() => undefined);
  }

  /** Ends the current subscription: its HTTP/2 stream is cancelled and its event iterator released. */
  private close(): void {
    this.current?.abort();
    this.current = undefined;
    this.events?.return?.().catch(() => undefined);
    this.events = undefined;
    this.pending = undefined;
  }

  private async subscribe(): Promise<AsyncIterator<SubscribeEvent>> {
    await this.pause(subscribeSpacing(this.lastSubscribeAt, this.now()));
    const arn = await this.i.consumerArn();
    const start = subscriptionStart({ continuation: this.continuation, position: this.position, initial: this.i.initial });
    this.current = new AbortController();
    const signal = AbortSignal.any([this.i.signal, this.current.signal]);
    this.lastSubscribeAt = this.now();
    this.subscriptions++;
    this.i.log.debug({ shardId: this.shardId, start }, 'subscribing to shard');
    const events = await this.i.efo.subscribe(arn, this.shardId, start, signal);
    return events[Symbol.asyncIterator]();
  }

  /** The next event, or `done` when the subscription ended; an abort of the signal ends the wait at once. */
  private async pull(events: AsyncIterator<SubscribeEvent>): Promise<IteratorResult<SubscribeEvent>> {
    const { signal } = this.i;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<IteratorResult<SubscribeEvent>>((resolve) => {
      onAbort = () => resolve({ done: true, value: undefined });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const next = this.pending ?? events.next();
    this.pending = undefined;
    next.catch(() => undefined);
    try {
      return await Promise.race([next, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  /**
   * The next event if it has already arrived (it resolves before the event loop's next check
   * phase), else undefined and it stays pending for the next pull. Only an event with records
   * that does not end the shard is handed out here; anything else (an error, the subscription's
   * end, an empty or final event) is left for `next()` to meet on its own.
   */
  private async ready(events: AsyncIterator<SubscribeEvent>): Promise<SubscribeEvent | undefined> {
    const next = (this.pending ??= events.next());
    next.catch(() => undefined);
    const r = await Promise.race([next.catch((): typeof NOT_READY => NOT_READY), new Promise<typeof NOT_READY>((resolve) => setImmediate(() => resolve(NOT_READY)))]);
    if (r === NOT_READY || r.done || r.value.records.length === 0 || r.value.continuation === undefined) return undefined;
    this.pending = undefined;
    return r.value;
  }

  /** An event's user records, in order after the position, with the counters and position moved past them. */
  private take(ev: SubscribeEvent): { records: Fetched['records']; bytes: number } {
    const { records, bytes, dropped } = deaggregate(this.shardId, ev.records, this.position, this.i.range);
    this.i.counters.bytesRead += bytes;
    if (dropped > 0) this.noteDropped(dropped);
    if (records.length > 0) this.position = records[records.length - 1]!;
    this.continuation = ev.continuation;
    return { records, bytes };
  }

  private noteDropped(n: number): void {
    this.i.counters.subRecordsDropped += n;
    if (this.droppedHere === 0) this.i.log.info({ shardId: this.shardId, dropped: n }, 'dropped sub-records outside this shard\'s hash range (as the KCL does); counted in subRecordsDropped');
    this.droppedHere += n;
  }

  /**
   * The batch `first` began, with the events with records that have already arrived behind it
   * (up to the batch bounds): at 2,000 events/s AWS pushes an event every few tens of
   * milliseconds per shard, and one commit per event would cost the processor more than the
   * events do. Events not yet here are not waited for.
   */
  private async more(records: Fetched['records'], firstBytes: number, first: SubscribeEvent): Promise<Fetched['records']> {
    const { maxRecords, maxBytes } = this.i.batch ?? { maxRecords: 10_000, maxBytes: 1024 * 1024 };
    let bytes = firstBytes;
    this.lastBehind = first.millisBehindLatest;
    while (this.events && !this.i.signal.aborted && records.length < maxRecords && bytes < maxBytes) {
      const ev = await this.ready(this.events);
      if (!ev) break;
      const t = this.take(ev);
      for (const x of t.records) records.push(x);
      bytes += t.bytes;
      this.lastBehind = ev.millisBehindLatest;
    }
    return records;
  }

  /** The next batch; an empty one at the tip. Resolves early (empty) when the signal aborts. */
  async next(): Promise<Fetched> {
    const { counters, log, signal } = this.i;
    while (!signal.aborted) {
      let pulling = false;
      try {
        this.events ??= await this.subscribe();
        pulling = true;
        const r = await this.pull(this.events);
        if (signal.aborted) break;
        if (r.done) {
          // AWS ends every subscription after 5 minutes: carry on from the last continuation.
          log.debug({ shardId: this.shardId, continuation: this.continuation }, 'subscription ended; resubscribing');
          this.close();
          continue;
        }
        this.failures = 0;
        const ev = r.value;
        const { records, bytes } = this.take(ev);
        if (ev.continuation === undefined) {
          log.debug({ shardId: this.shardId, children: ev.childShardIds }, 'subscription reached the end of the shard');
          this.close();
          return { records, millisBehindLatest: ev.millisBehindLatest, end: true };
        }
        const behind = (ev.millisBehindLatest ?? 0) > 0;
        if (records.length > 0) return { records: await this.more(records, bytes, ev), millisBehindLatest: this.lastBehind, end: false };
        if (!behind) return { records, millisBehindLatest: ev.millisBehindLatest, end: false };
      } catch (err) {
        this.close();
        if (signal.aborted) break;
        const name = err instanceof KinesisError ? err.awsCode : awsErrorName(err);
        if (name === 'ResourceNotFoundException' && this.i.shardGone && (await this.i.shardGone().catch(() => false))) {
          counters.shardsExpired++;
          log.warn({ shardId: this.shardId, after: this.position ? `${this.position.seq}/${this.position.sub}` : 'nothing read' }, 'shard is gone (past the stream\'s retention); treating it as ended so its children start');
          return { records: [], millisBehindLatest: undefined, end: true, expired: true };
        }
        this.failures++;
        const transient = pulling ? !fatalInStream(name) : isMarkedRetriable(err);
        const d = subscribeRetry(name, transient, this.failures, this.random);
        if (!d.retry) throw err;
        if (d.reason === 'limit') counters.readsThrottled++;
        const level = this.failures >= 5 ? 'warn' : 'debug';
        log[level]({ shardId: this.shardId, err: String(err), reason: d.reason, attempt: this.failures, waitMs: d.waitMs }, 'subscription failed, retrying');
        await this.pause(d.waitMs);
      }
    }
    return { records: [], millisBehindLatest: undefined, end: false };
  }
}
