import { awsErrorName } from '../aws/awsErrors.ts';
import type { Config } from '../config/configSchema.ts';
import { describeCause } from '../errors.ts';
import { isAggregate } from '../kinesis/kplAggregation.ts';
import type { Logger } from '../log/createLogger.ts';
import { CallBuilder } from './CallBuilder.ts';
import type { PutOutcome } from './classifyPutResult.ts';
import { isSendUrgent } from './isSendUrgent.ts';
import { KeyQueues } from './KeyQueues.ts';
import type { KinesisWritePort } from '../kinesis/KinesisWritePort.ts';
import { nextWakeAt } from './nextWakeAt.ts';
import { OutstandingAges } from './OutstandingAges.ts';
import type { ProducerCounters } from './ProducerCounters.ts';
import type { DeadItem, Entry, OutRecord, RecordOwner } from './producerRecords.ts';
import { retryOrExpire } from './retryOrExpire.ts';
import { isMarkedRetriable } from '../util/retry.ts';
import { ShardMapTracker } from './ShardMapTracker.ts';

export type { DeadItem, RecordOwner } from './producerRecords.ts';

export type ProducerSettings = Config['producer'] & { streamName: string; endpoint: string };

export interface ProducerDeps {
  kinesis: KinesisWritePort;
  counters: ProducerCounters;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

/**
 * The producer engine: per-key queues → per-shard aggregates (or single records) → PutRecords
 * calls within the shard's token buckets → acknowledgements back to each event's owner. This
 * class wires the parts (shard map, key queues, call builder, send policies) and carries out
 * their decisions: it sends calls, settles their results, and wakes itself when the policies say.
 *
 * Strict order: a partition key has at most one unacknowledged Kinesis record. Records of one
 * call can fail independently, and a failed record is retried later, so two records of the same
 * key in flight at once could land in the wrong order; holding the key instead means a retry is
 * never overtaken. The cost is small because a released key sends its whole backlog in its next
 * aggregate, so throughput comes from many keys, not from many records per key.
 */
export class KinesisProducer {
  private readonly tracker: ShardMapTracker;
  private readonly queues: KeyQueues;
  private readonly builder: CallBuilder;
  private inFlightCalls = 0;
  private unsentSince: number | undefined;
  private flushing = 0;
  private pumpScheduled = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private lastErrorLogAt = -Infinity;
  private closed = false;
  private roomWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly counters: ProducerCounters;
  private readonly log: Logger;
  private readonly outstanding = new OutstandingAges();

  constructor(
    private readonly s: ProducerSettings,
    private readonly deps: ProducerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.counters = deps.counters;
    this.log = deps.log;
    this.tracker = new ShardMapTracker(s, {
      kinesis: deps.kinesis,
      counters: deps.counters,
      log: deps.log,
      now: this.now,
      onMap: (map) => {
        this.builder.setMap(map, this.now());
        this.schedulePump();
      },
    });
    this.queues = new KeyQueues(
      s.strictOrder,
      (hash) => this.builder.laneFor(hash),
      () => {
        if (this.tracker.map) void this.tracker.requestRefresh();
      },
    );
    this.builder = new CallBuilder(s, this.queues, deps.counters);
  }

  /**
   * Reads the shard map. A refusal (no such stream, access denied) throws; an unreachable
   * Kinesis is retried in the background while input is buffered up to the limits.
   */
  start(): Promise<void> {
    return this.tracker.start();
  }

  /** When the oldest event not yet acknowledged or dead-lettered was handed in; undefined when none is. */
  oldestUnackedAt(): number | undefined {
    return this.outstanding.oldestMs();
  }

  hasRoom(): boolean {
    return this.counters.bufferedEvents < this.s.maxBufferedRecords && this.counters.bufferedBytes < this.s.maxBufferedBytes;
  }

  /** Resolves once the buffer has room again (or the producer is closed). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom() || this.closed) return Promise.resolve();
    this.counters.inputPauses++;
    this.schedulePump();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Buffers one event. Callers respect `hasRoom()` / `waitForRoom()`. */
  add(partitionKey: string, data: Buffer, owner: RecordOwner, position: number): void {
    const now = this.now();
    this.queues.add(partitionKey, data, owner, position, now);
    this.outstanding.add(now);
    this.counters.eventsRead++;
    this.counters.bufferedEvents++;
    this.counters.bufferedBytes += data.length;
    this.unsentSince ??= now;
    this.schedulePump();
  }

  /** Sends everything buffered without lingering; resolves when every buffered event is acknowledged or dead-lettered. */
  async flush(): Promise<void> {
    if (this.counters.bufferedEvents === 0) return;
    this.flushing++;
    this.schedulePump();
    try {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    } finally {
      this.flushing--;
    }
  }

  close(): void {
    this.closed = true;
    this.tracker.close();
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Re-reads the shard map now (at most once a second unless `periodic`). */
  requestRefresh(periodic = false): Promise<void> {
    return this.tracker.requestRefresh(periodic);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private urgent(now: number): boolean {
    return isSendUrgent({
      now,
      flushing: this.flushing > 0,
      bufferFull: !this.hasRoom(),
      unsentSince: this.unsentSince,
      lingerMs: this.s.lingerMs,
      queuedEvents: this.queues.events,
      queuedBytes: this.queues.bytes,
      aggregation: this.s.aggregation,
    });
  }

  private pump(): void {
    if (!this.tracker.map || this.closed) return;
    const now = this.now();
    this.builder.beginRound();
    while (this.inFlightCalls < this.s.maxConcurrentCalls) {
      const call = this.builder.build(now, this.urgent(now), this.s.maxConcurrentCalls - this.inFlightCalls);
      if (call.length === 0) break;
      this.send(call);
    }
    if (this.queues.events === 0) this.unsentSince = undefined;
    this.armWake(now);
  }

  private armWake(now: number): void {
    const at = nextWakeAt({
      now,
      callSlotFree: this.inFlightCalls < this.s.maxConcurrentCalls,
      earliestRetryAt: this.builder.earliestRetryAt(),
      queuedEvents: this.queues.events,
      urgent: this.urgent(now),
      unsentSince: this.unsentSince,
      lingerMs: this.s.lingerMs,
      bucketWaitMs: this.builder.bucketWaitMs,
    });
    if (at === this.wakeAt && this.wakeTimer) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = at;
    if (at === Infinity) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }

  private send(call: OutRecord[]): void {
    this.inFlightCalls++;
    this.counters.putCalls++;
    const t0 = this.now();
    // An OutRecord carries the fields of a PutEntry (data, partitionKey, explicitHashKey): no copy per record.
    this.deps.kinesis
      .putRecords(this.s.streamName, call)
      .then(
        async (results) => {
          this.notePutLatency(this.now() - t0);
          this.settlePut(call, await this.tracker.judge(call, results));
        },
        (err: unknown) => {
          const now = this.now();
          this.notePutLatency(now - t0);
          this.counters.putCallErrors++;
          countFailure(this.counters, awsErrorName(err) ?? 'CallFailed', call.length);
          const reason = awsErrorName(err) ?? describeCause(err);
          this.logFailure({ err: describeCause(err), records: call.length }, 'PutRecords call failed; retrying');
          // A stream that is not found may be a stale map (a shard gone): refresh and try again. Any other
          // failure that will not pass by retrying (access denied, a bug's TypeError) ends these records now.
          const notFound = awsErrorName(err) === 'ResourceNotFoundException';
          if (notFound) void this.tracker.requestRefresh();
          for (const r of call) this.retryOrExpire(r, reason, now, notFound || isMarkedRetriable(err));
        },
      )
      .catch((err: unknown) => this.log.error({ err: describeCause(err) }, 'producer bookkeeping failed'))
      .finally(() => {
        this.inFlightCalls--;
        this.schedulePump();
      });
  }

  private settlePut(call: OutRecord[], o: PutOutcome): void {
    const now = this.now();
    this.counters.throttled += o.throttled;
    for (const f of o.failed) countFailure(this.counters, f.errorCode);
    for (const i of o.acked) this.acknowledge(call[i]!);
    for (const m of o.misplaced) this.acknowledge(call[m.index]!, new Set(m.users));
    // Still unknown after a refresh: nothing says where those user records belong, so all go again.
    for (const i of o.unknownShard) this.acknowledge(call[i]!, new Set(call[i]!.entries.keys()));
    for (const f of o.failed) this.retryOrExpire(call[f.index]!, f.errorCode, now);
    if (o.failed.length > 0) this.logFailure({ failed: o.failed.length, throttled: o.throttled, of: call.length, code: o.failed[0]!.errorCode }, 'PutRecords partly failed; retrying those records');
    if (o.misplaced.length > 0 || o.unknownShard.length > 0) {
      this.log.debug({ records: o.misplaced.length + o.unknownShard.length, resent: this.counters.eventsResent }, 'aggregates landed on a shard that excludes some of their user records; re-sending those');
    }
  }

  private notePutLatency(ms: number): void {
    this.counters.putLatencyMsSum += ms;
    if (ms > this.counters.putLatencyMsMax) this.counters.putLatencyMsMax = ms;
  }

  private logFailure(fields: Record<string, unknown>, msg: string): void {
    const now = this.now();
    if (now - this.lastErrorLogAt < 5_000) return;
    this.lastErrorLogAt = now;
    this.log.warn({ ...fields, retries: this.counters.retries, throttled: this.counters.throttled }, msg);
  }

  private retryOrExpire(r: OutRecord, reason: string, now: number, retriable = true): void {
    r.attempts++;
    const d = retryOrExpire({ now, attempts: r.attempts, bornAt: r.bornAt, recordTtlMs: this.s.recordTtlMs, retryInitialMs: this.s.retryInitialMs, retryMaxMs: this.s.retryMaxMs, retriable, random: this.random });
    if (d.expire) {
      this.expire(r, d.why === 'ttl' ? `not acknowledged within producer.recordTtlMs (${this.s.recordTtlMs} ms) after ${r.attempts} attempt(s); last error: ${reason}` : `Kinesis refused the call and another try cannot succeed: ${reason}`);
      return;
    }
    this.counters.retries++;
    r.notBefore = d.notBefore;
    this.builder.requeue(r);
  }

  /**
   * Kinesis took the record. User records listed in `resend` landed on a shard whose range
   * excludes them: they go back to the front of their keys' queues (a held key stays held until
   * then, so nothing newer overtakes them) and are sent again against the current map.
   */
  private acknowledge(r: OutRecord, resend?: ReadonlySet<number>): void {
    this.counters.recordsPut++;
    if (r.explicitHashKey !== undefined && isAggregate(r.data)) this.counters.aggregatesPut++;
    this.counters.bytesPut += r.cost;
    let placed = r.entries;
    if (resend) {
      placed = r.entries.filter((_, i) => !resend.has(i));
      const again = r.entries.filter((_, i) => resend.has(i));
      if (again.length > 0) {
        this.counters.eventsResent += again.length;
        this.queues.putBack(again);
        this.unsentSince ??= this.now();
      }
    }
    this.counters.eventsAcked += placed.length;
    let owner: RecordOwner | undefined;
    let n = 0;
    for (const e of placed) {
      if (e.owner !== owner) {
        if (owner) owner.acked(n);
        owner = e.owner;
        n = 0;
      }
      n++;
    }
    if (owner) owner.acked(n);
    this.settled(r, placed);
  }

  private expire(r: OutRecord, reason: string): void {
    this.counters.eventsDeadLettered += r.entries.length;
    const byOwner = new Map<RecordOwner, DeadItem[]>();
    for (const e of r.entries) {
      let items = byOwner.get(e.owner);
      if (!items) byOwner.set(e.owner, (items = []));
      items.push({ position: e.position, reason, data: e.data });
    }
    for (const [owner, items] of byOwner) owner.deadLettered(items);
    this.settled(r, r.entries);
  }

  /** `done`: the record's events that are finished (the rest were put back to be sent again). */
  private settled(r: OutRecord, done: readonly Entry[]): void {
    let bytes = 0;
    for (const e of done) {
      bytes += e.data.length;
      this.outstanding.remove(e.at);
    }
    this.counters.bufferedEvents -= done.length;
    this.counters.bufferedBytes -= bytes;
    this.queues.settle(r.keys);
    if (this.roomWaiters.length > 0 && this.hasRoom()) for (const w of this.roomWaiters.splice(0)) w();
    if (this.counters.bufferedEvents === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}

function countFailure(c: ProducerCounters, code: string, n = 1): void {
  c.failuresByCode.set(code, (c.failuresByCode.get(code) ?? 0) + n);
}
