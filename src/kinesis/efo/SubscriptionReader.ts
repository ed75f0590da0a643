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
};

/**
 * Reads one shard through enhanced fan-out with the same contract as ShardReader: `next()`
 * returns the next batch of user records (de-aggregated, checkpoint sub-records dropped), empty
 * at the tip, `end` at a closed shard's end. One subscription at a time; it follows the
 * continuation sequence numbers and resubscribes after the last one when AWS ends the
 * subscription (every 5 minutes) or it fails, so nothing is skipped or repeated. Events are
 * pulled one per `next()`: while the processor is behind, unread events wait in HTTP/2 flow
 * control rather than in memory.
 */
export class SubscriptionReader {
  readonly shardId: string;
  /** SubscribeToShard calls made (the first, every resubscription and retry). */
  subscriptions = 0;
  private position: Position | undefined;
  private continuation: string | undefined;
  private events: AsyncIterator<SubscribeEvent> | undefined;
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
    const next = events.next();
    next.catch(() => undefined);
    try {
      return await Promise.race([next, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  private noteDropped(n: number): void {
    this.i.counters.subRecordsDropped += n;
    if (this.droppedHere === 0) this.i.log.info({ shardId: this.shardId, dropped: n }, 'dropped sub-records outside this shard\'s hash range (as the KCL does); counted in subRecordsDropped');
    this.droppedHere += n;
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
        const { records, bytes, dropped } = deaggregate(this.shardId, ev.records, this.position, this.i.range);
        counters.bytesRead += bytes;
        if (dropped > 0) this.noteDropped(dropped);
        if (records.length > 0) this.position = records[records.length - 1]!;
        const end = ev.continuation === undefined;
        this.continuation = ev.continuation;
        if (end) {
          log.debug({ shardId: this.shardId, children: ev.childShardIds }, 'subscription reached the end of the shard');
          this.close();
          return { records, millisBehindLatest: ev.millisBehindLatest, end: true };
        }
        const behind = (ev.millisBehindLatest ?? 0) > 0;
        if (records.length > 0 || !behind) return { records, millisBehindLatest: ev.millisBehindLatest, end: false };
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
