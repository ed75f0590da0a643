import { awsErrorName, isTransientAwsError } from '../aws/awsErrors.ts';
import type { Config } from '../config/configSchema.ts';
import { describeCause, ServiceError } from '../errors.ts';
import { AggregateBuilder } from '../kinesis/kplAggregation.ts';
import type { Logger } from '../log/createLogger.ts';
import { backoffDelay, retry } from '../util/retry.ts';
import { classifyPutResult, type PutOutcome } from './classifyPutResult.ts';
import { OutstandingAges } from './OutstandingAges.ts';
import { freshCallBytes } from './freshCallBytes.ts';
import { insertRetry } from './insertRetry.ts';
import type { KinesisPort, PutEntry } from './KinesisPort.ts';
import type { ProducerCounters } from './ProducerCounters.ts';
import { buildShardMap, hashKeyOf, shardIndexFor, type ShardMap, type ShardRange } from './shardMap.ts';
import { TokenBucket } from './TokenBucket.ts';

/** PutRecords limits. */
export const MAX_CALL_RECORDS = 500;
export const MAX_CALL_BYTES = 5 * 1024 * 1024;
/** Smallest share of the backlog a call is given when the backlog is spread over concurrent calls. */
export const MIN_SPREAD_CALL_BYTES = 1024 * 1024;
/** Largest Kinesis record: data blob plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface DeadItem {
  position: number;
  reason: string;
  data: Buffer;
}

/** Whoever handed the producer an event (an input file) hears how each one ended. */
export interface RecordOwner {
  acked(count: number): void;
  deadLettered(items: DeadItem[]): void;
}

export type ProducerSettings = Config['producer'] & { streamName: string; endpoint: string };

export interface ProducerDeps {
  kinesis: KinesisPort;
  counters: ProducerCounters;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  /** Whose event this is: the partition key and its hash travel with it into aggregates and re-sends. */
  key: KeyState;
  data: Buffer;
  owner: RecordOwner;
  position: number;
  at: number;
}

interface KeyState {
  pk: string;
  pkLen: number;
  hash: bigint;
  queue: Entry[];
  head: number;
  queuedBytes: number;
  /** A record holding this key's earlier events is unacknowledged (strict order only). */
  inFlight: boolean;
  /** In a shard's ready list (or waiting for a shard map). */
  shard: ShardState | undefined;
  ready: boolean;
}

interface ShardState {
  range: ShardRange;
  ready: KeyState[];
  readyHead: number;
  readyBytes: number;
  retries: OutRecord[];
  bytes: TokenBucket;
  records: TokenBucket;
}

interface OutRecord {
  seq: number;
  data: Buffer;
  partitionKey: string;
  explicitHashKey: string | undefined;
  hash: bigint;
  cost: number;
  entries: Entry[];
  /** Keys this record holds in flight (strict order). */
  keys: KeyState[];
  bornAt: number;
  attempts: number;
  notBefore: number;
  shardId: string;
}

/**
 * The producer engine: per-key queues → per-shard aggregates (or single records) → PutRecords
 * calls within the shard's token buckets → acknowledgements back to each event's owner.
 *
 * Strict order: a partition key has at most one unacknowledged Kinesis record. Records of one
 * call can fail independently, and a failed record is retried later, so two records of the same
 * key in flight at once could land in the wrong order; holding the key instead means a retry is
 * never overtaken. The cost is small because a released key sends its whole backlog in its next
 * aggregate, so throughput comes from many keys, not from many records per key.
 */
export class KinesisProducer {
  private map: ShardMap | undefined;
  private shards: ShardState[] = [];
  private readonly keys = new Map<string, KeyState>();
  private unplaced: KeyState[] = [];
  private inFlightCalls = 0;
  private seq = 0;
  private rr = 0;
  private queuedEvents = 0;
  private queuedBytes = 0;
  private unsentSince: number | undefined;
  private flushing = 0;
  private pumpScheduled = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private bucketWaitMs = Infinity;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private lastRefreshAt = -Infinity;
  private lastErrorLogAt = -Infinity;
  private readonly stop = new AbortController();
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
  }

  /**
   * Reads the shard map. A refusal (no such stream, access denied) throws; an unreachable
   * Kinesis is retried in the background while input is buffered up to the limits.
   */
  async start(): Promise<void> {
    try {
      await this.refreshShardMap();
    } catch (err) {
      if (!isTransientAwsError(err)) throw new ServiceError('Kinesis', this.s.endpoint, err, false);
      this.log.warn({ err: describeCause(err), endpoint: this.s.endpoint }, 'Kinesis unreachable; buffering input and retrying');
      void retry(() => this.refreshShardMap(), {
        retries: Infinity,
        initialMs: this.s.retryInitialMs,
        maxMs: this.s.retryMaxMs,
        isRetriable: () => true,
        signal: this.stop.signal,
      }).catch(() => undefined);
    }
    this.refreshTimer = setInterval(() => void this.requestRefresh(true), this.s.shardMapRefreshMs);
    this.refreshTimer.unref();
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
    if (this.hasRoom() || this.stop.signal.aborted) return Promise.resolve();
    this.counters.inputPauses++;
    this.schedulePump();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Buffers one event. Callers respect `hasRoom()` / `waitForRoom()`. */
  add(partitionKey: string, data: Buffer, owner: RecordOwner, position: number): void {
    const now = this.now();
    let k = this.keys.get(partitionKey);
    if (!k) {
      k = { pk: partitionKey, pkLen: Buffer.byteLength(partitionKey), hash: hashKeyOf(partitionKey), queue: [], head: 0, queuedBytes: 0, inFlight: false, shard: undefined, ready: false };
      this.keys.set(partitionKey, k);
    }
    k.queue.push({ key: k, data, owner, position, at: now });
    this.outstanding.add(now);
    k.queuedBytes += data.length;
    if (k.shard) k.shard.readyBytes += data.length;
    this.counters.eventsRead++;
    this.counters.bufferedEvents++;
    this.counters.bufferedBytes += data.length;
    this.queuedEvents++;
    this.queuedBytes += data.length;
    if (!k.inFlight && !k.ready) this.makeReady(k);
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
    this.stop.abort();
    clearInterval(this.refreshTimer);
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Re-reads the shard map now (at most once a second unless `periodic`). */
  requestRefresh(periodic = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (!periodic && this.now() - this.lastRefreshAt < 1000) return Promise.resolve();
    return this.refreshShardMap().catch((err: unknown) => {
      this.log.warn({ err: describeCause(err) }, 'shard map refresh failed; keeping the old map');
    });
  }

  private refreshShardMap(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const shards = await this.deps.kinesis.listShards(this.s.streamName);
        const map = buildShardMap(shards);
        if (map.shards.length === 0) throw new ServiceError('Kinesis', this.s.endpoint, new Error(`stream ${this.s.streamName} has no open shards`));
        this.setMap(map);
      } finally {
        this.lastRefreshAt = this.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private setMap(map: ShardMap): void {
    const now = this.now();
    const pct = this.s.rateLimitPercent / 100;
    const previous = new Map(this.shards.map((s) => [s.range.shardId, s]));
    const next: ShardState[] = map.shards.map((range) => {
      const old = previous.get(range.shardId);
      return {
        range,
        ready: [],
        readyHead: 0,
        readyBytes: 0,
        retries: [],
        bytes: old?.bytes ?? new TokenBucket(this.s.shardBytesPerSec * pct, this.s.shardBytesPerSec * pct, now),
        records: old?.records ?? new TokenBucket(this.s.shardRecordsPerSec * pct, this.s.shardRecordsPerSec * pct, now),
      };
    });
    const oldShards = this.shards;
    const homeless = this.unplaced;
    this.unplaced = [];
    this.map = map;
    this.shards = next;
    for (const s of oldShards) {
      for (let i = s.readyHead; i < s.ready.length; i++) homeless.push(s.ready[i]!);
      for (const r of s.retries) this.requeueRetry(r);
    }
    for (const k of homeless) {
      k.ready = false;
      k.shard = undefined;
      this.makeReady(k);
    }
    if (oldShards.length > 0 || this.counters.shardMapRefreshes > 0) this.log.debug({ shards: map.shards.map((s) => s.shardId) }, 'shard map refreshed');
    this.counters.shardMapRefreshes++;
    this.schedulePump();
  }

  private shardFor(hash: bigint): ShardState | undefined {
    if (!this.map) return undefined;
    const i = shardIndexFor(this.map, hash);
    return i < 0 ? undefined : this.shards[i];
  }

  private makeReady(k: KeyState): void {
    k.ready = true;
    const s = this.shardFor(k.hash);
    if (!s) {
      this.unplaced.push(k);
      if (this.map) void this.requestRefresh();
      return;
    }
    // Compact only once the consumed head outweighs the rest: re-copying the queue every time a
    // key comes back (once per record without aggregation) made its backlog quadratic.
    if (k.head > 64 && k.head * 2 > k.queue.length) {
      k.queue = k.queue.slice(k.head);
      k.head = 0;
    }
    k.shard = s;
    s.ready.push(k);
    s.readyBytes += k.queuedBytes;
  }

  /** Takes `k` off its shard's ready list (it is at the head). */
  private unready(s: ShardState, k: KeyState): void {
    s.readyHead++;
    s.readyBytes -= k.queuedBytes;
    k.ready = false;
    k.shard = undefined;
    if (s.readyHead > 1024 && s.readyHead * 2 > s.ready.length) {
      s.ready = s.ready.slice(s.readyHead);
      s.readyHead = 0;
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.map || this.stop.signal.aborted) return;
    const now = this.now();
    this.bucketWaitMs = Infinity;
    const urgent = () =>
      this.flushing > 0 ||
      !this.hasRoom() ||
      (this.unsentSince !== undefined && now - this.unsentSince >= this.s.lingerMs) ||
      this.queuedEvents >= MAX_CALL_RECORDS * (this.s.aggregation ? 20 : 1) ||
      this.queuedBytes >= MAX_CALL_BYTES;
    while (this.inFlightCalls < this.s.maxConcurrentCalls) {
      const call = this.buildCall(now, urgent());
      if (call.length === 0) break;
      this.send(call);
    }
    if (this.queuedEvents === 0) this.unsentSince = undefined;
    this.armWake(now, urgent());
  }

  private armWake(now: number, urgent: boolean): void {
    let at = Infinity;
    if (this.inFlightCalls < this.s.maxConcurrentCalls) {
      for (const s of this.shards) {
        const head = s.retries[0];
        if (head) at = Math.min(at, Math.max(head.notBefore, now + 1));
      }
      if (this.queuedEvents > 0 && !urgent && this.unsentSince !== undefined) at = Math.min(at, this.unsentSince + this.s.lingerMs);
      if (this.bucketWaitMs !== Infinity) at = Math.min(at, now + Math.max(1, this.bucketWaitMs));
    }
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

  /** Takes `cost` bytes and one record from the shard's buckets, or notes how long until it could. */
  private afford(s: ShardState, cost: number, now: number): boolean {
    if (s.bytes.available(now) >= cost && s.records.available(now) >= 1) {
      s.bytes.tryTake(cost, now);
      s.records.tryTake(1, now);
      return true;
    }
    this.bucketWaitMs = Math.min(this.bucketWaitMs, Math.max(s.bytes.msUntil(Math.min(cost, s.bytes.capacity), now), s.records.msUntil(1, now)));
    return false;
  }

  /** One PutRecords call: due retries first (oldest first), then new records, round-robin over shards. */
  private buildCall(now: number, fresh: boolean): OutRecord[] {
    const call: OutRecord[] = [];
    const n = this.shards.length;
    let bytes = 0;
    const start = this.rr++ % n;
    for (let progress = true; progress && call.length < MAX_CALL_RECORDS; ) {
      progress = false;
      for (let i = 0; i < n && call.length < MAX_CALL_RECORDS; i++) {
        const s = this.shards[(start + i) % n]!;
        const r = s.retries[0];
        if (!r || r.notBefore > now || bytes + r.cost > MAX_CALL_BYTES || !this.afford(s, r.cost, now)) continue;
        s.retries.shift();
        call.push(r);
        bytes += r.cost;
        progress = true;
      }
    }
    if (!fresh) return call;
    let readyBytes = 0;
    for (const s of this.shards) readyBytes += s.readyBytes;
    const maxBytes = Math.max(bytes, freshCallBytes(readyBytes, this.s.maxConcurrentCalls - this.inFlightCalls, MIN_SPREAD_CALL_BYTES, MAX_CALL_BYTES));
    for (let progress = true; progress && call.length < MAX_CALL_RECORDS; ) {
      progress = false;
      for (let i = 0; i < n && call.length < MAX_CALL_RECORDS; i++) {
        const s = this.shards[(start + i) % n]!;
        const r = this.s.aggregation ? this.takeAggregate(s, now, maxBytes - bytes) : this.takeSingle(s, now, maxBytes - bytes);
        if (!r) continue;
        call.push(r);
        bytes += r.cost;
        progress = true;
      }
    }
    return call;
  }

  private takeEntry(s: ShardState, k: KeyState): Entry {
    const e = k.queue[k.head]!;
    k.queue[k.head] = undefined as unknown as Entry;
    k.head++;
    k.queuedBytes -= e.data.length;
    s.readyBytes -= e.data.length;
    this.queuedEvents--;
    this.queuedBytes -= e.data.length;
    return e;
  }

  /** After a key's events went into a record: hold it (strict), or leave it ready, or forget it. */
  private afterTake(s: ShardState, k: KeyState, heldKeys: KeyState[]): void {
    const empty = k.head >= k.queue.length;
    if (empty) {
      k.queue = [];
      k.head = 0;
    }
    if (this.s.strictOrder) {
      k.inFlight = true;
      heldKeys.push(k);
      this.unready(s, k);
    } else if (empty) {
      this.unready(s, k);
      this.keys.delete(k.pk);
    }
  }

  private takeSingle(s: ShardState, now: number, room: number): OutRecord | undefined {
    if (s.readyHead >= s.ready.length) return undefined;
    const k = s.ready[s.readyHead]!;
    const cost = k.queue[k.head]!.data.length + k.pkLen;
    if (cost > room || !this.afford(s, cost, now)) return undefined;
    const e = this.takeEntry(s, k);
    const keys: KeyState[] = [];
    this.afterTake(s, k, keys);
    return { seq: this.seq++, data: e.data, partitionKey: k.pk, explicitHashKey: undefined, hash: k.hash, cost, entries: [e], keys, bornAt: e.at, attempts: 0, notBefore: 0, shardId: s.range.shardId };
  }

  private takeAggregate(s: ShardState, now: number, room: number): OutRecord | undefined {
    if (s.readyHead >= s.ready.length) return undefined;
    const first = s.ready[s.readyHead]!;
    const cost0 = first.pkLen;
    if (s.records.available(now) < 1) {
      this.bucketWaitMs = Math.min(this.bucketWaitMs, s.records.msUntil(1, now));
      return undefined;
    }
    // Wait for tokens to fill a whole aggregate (or all there is) rather than send slivers.
    const want = Math.min(this.s.aggregationMaxBytes, s.readyBytes + 64) + cost0;
    const tokens = s.bytes.available(now);
    if (tokens < Math.min(want, s.bytes.capacity)) {
      this.bucketWaitMs = Math.min(this.bucketWaitMs, s.bytes.msUntil(Math.min(want, s.bytes.capacity), now));
      return undefined;
    }
    const budget = Math.min(this.s.aggregationMaxBytes, MAX_RECORD_BYTES - cost0, tokens - cost0, room - cost0);
    const b = new AggregateBuilder();
    const entries: Entry[] = [];
    const held: KeyState[] = [];
    let bornAt = Infinity;
    while (s.readyHead < s.ready.length) {
      const k = s.ready[s.readyHead]!;
      let took = false;
      let full = false;
      while (k.head < k.queue.length) {
        const e = k.queue[k.head]!;
        const size = b.sizeWith({ partitionKey: k.pk, data: e.data });
        // An event too big for any aggregate still goes, alone, if the call and the bucket can take it.
        if (size > budget && !(b.count === 0 && size <= Math.min(room, tokens, MAX_RECORD_BYTES) - cost0)) {
          full = true;
          break;
        }
        b.add({ partitionKey: k.pk, data: e.data });
        entries.push(this.takeEntry(s, k));
        if (e.at < bornAt) bornAt = e.at;
        took = true;
        if (size > budget) {
          full = true;
          break;
        }
      }
      if (took) this.afterTake(s, k, held);
      if (full) break;
    }
    if (b.count === 0) return undefined;
    const data = b.encode();
    const cost = data.length + cost0;
    s.bytes.tryTake(cost, now);
    s.records.tryTake(1, now);
    return { seq: this.seq++, data, partitionKey: first.pk, explicitHashKey: s.range.startingHashKey, hash: s.range.start, cost, entries, keys: held, bornAt, attempts: 0, notBefore: 0, shardId: s.range.shardId };
  }

  private send(call: OutRecord[]): void {
    this.inFlightCalls++;
    this.counters.putCalls++;
    const t0 = this.now();
    const entries: PutEntry[] = call.map((r) => (r.explicitHashKey === undefined ? { data: r.data, partitionKey: r.partitionKey } : { data: r.data, partitionKey: r.partitionKey, explicitHashKey: r.explicitHashKey }));
    this.deps.kinesis
      .putRecords(this.s.streamName, entries)
      .then(
        async (results) => {
          this.notePutLatency(this.now() - t0);
          const sent = call.map((r) => ({ shardId: r.shardId, userHashes: r.explicitHashKey === undefined ? [r.hash] : r.entries.map((e) => e.key.hash) }));
          let o = classifyPutResult(sent, results, this.map!.byId);
          // Records that landed elsewhere are judged against the shards as they are now, and
          // their user records re-sent only once the map knows where they belong.
          if (o.staleMap || o.unknownShard.length > 0) {
            await this.refreshForPlacement();
            o = classifyPutResult(sent, results, this.map!.byId);
            this.log.debug({ predicted: call.map((r) => r.shardId), landed: results.map((r) => r.shardId ?? r.errorCode), misplaced: o.misplaced.length, unknown: o.unknownShard.length }, 'records landed on shards the map did not predict');
          }
          this.settlePut(call, o);
        },
        (err: unknown) => {
          const now = this.now();
          this.notePutLatency(now - t0);
          this.counters.putCallErrors++;
          countFailure(this.counters, awsErrorName(err) ?? 'CallFailed', call.length);
          const reason = awsErrorName(err) ?? describeCause(err);
          this.logFailure({ err: describeCause(err), records: call.length }, 'PutRecords call failed; retrying');
          if (awsErrorName(err) === 'ResourceNotFoundException') void this.requestRefresh();
          for (const r of call) this.retryOrExpire(r, reason, now);
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

  /** A few quick attempts; a map that cannot be read leaves the old one, and misplaced records are then re-sent whole. */
  private async refreshForPlacement(): Promise<void> {
    await retry(() => this.refreshShardMap(), { retries: 3, initialMs: this.s.retryInitialMs, maxMs: this.s.retryMaxMs, isRetriable: () => true, signal: this.stop.signal }).catch((err: unknown) => {
      this.log.warn({ err: describeCause(err) }, 'shard map refresh failed; judging record placement against the old map');
    });
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

  /**
   * Queues a record for retry on the shard the current map routes it to. An aggregate whose user
   * records now belong to other shards (the map changed since it was built) is rebuilt, one
   * aggregate per shard with that shard's hash key, instead of being re-sent with a stale one.
   */
  private requeueRetry(r: OutRecord): void {
    if (r.explicitHashKey === undefined) {
      const s = this.shardFor(r.hash) ?? this.shards[0]!;
      r.shardId = s.range.shardId;
      insertRetry(s.retries, r);
      return;
    }
    const groups = new Map<ShardState, Entry[]>();
    for (const e of r.entries) {
      const s = this.shardFor(e.key.hash) ?? this.shards[0]!;
      let g = groups.get(s);
      if (!g) groups.set(s, (g = []));
      g.push(e);
    }
    const [only] = groups.keys();
    if (groups.size === 1 && only!.range.startingHashKey === r.explicitHashKey) {
      r.shardId = only!.range.shardId;
      insertRetry(only!.retries, r);
      return;
    }
    this.counters.retriesRebuilt++;
    for (const [s, entries] of groups) {
      const b = new AggregateBuilder();
      for (const e of entries) b.add({ partitionKey: e.key.pk, data: e.data });
      const data = b.encode();
      const first = entries[0]!.key;
      const keys = r.keys.filter((k) => entries.some((e) => e.key === k));
      let bornAt = Infinity;
      for (const e of entries) bornAt = Math.min(bornAt, e.at);
      const part: OutRecord = { ...r, data, partitionKey: first.pk, explicitHashKey: s.range.startingHashKey, hash: s.range.start, cost: data.length + first.pkLen, entries, keys, bornAt, shardId: s.range.shardId };
      insertRetry(s.retries, part);
    }
  }

  private retryOrExpire(r: OutRecord, reason: string, now: number): void {
    r.attempts++;
    if (now - r.bornAt >= this.s.recordTtlMs) {
      this.expire(r, `not acknowledged within producer.recordTtlMs (${this.s.recordTtlMs} ms) after ${r.attempts} attempt(s); last error: ${reason}`);
      return;
    }
    this.counters.retries++;
    r.notBefore = now + backoffDelay(r.attempts, { initialMs: this.s.retryInitialMs, maxMs: this.s.retryMaxMs, factor: 2, jitter: 0.5 }, this.random);
    this.requeueRetry(r);
  }

  /**
   * Kinesis took the record. User records listed in `resend` landed on a shard whose range
   * excludes them: they go back to the front of their keys' queues (a held key stays held until
   * then, so nothing newer overtakes them) and are sent again against the current map.
   */
  private acknowledge(r: OutRecord, resend?: ReadonlySet<number>): void {
    this.counters.recordsPut++;
    if (isAggregate(r.data)) this.counters.aggregatesPut++;
    this.counters.bytesPut += r.cost;
    const placed = resend ? r.entries.filter((_, i) => !resend.has(i)) : r.entries;
    if (resend) this.putBack(r.entries.filter((_, i) => resend.has(i)));
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

  /** Returns unacknowledged events to the front of their keys' queues, in their order. */
  private putBack(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.counters.eventsResent += entries.length;
    const byKey = new Map<KeyState, Entry[]>();
    for (const e of entries) {
      // Without strict order an emptied key may have been forgotten and made anew since.
      let k = this.keys.get(e.key.pk);
      if (!k) this.keys.set(e.key.pk, (k = e.key));
      let g = byKey.get(k);
      if (!g) byKey.set(k, (g = []));
      g.push(e);
    }
    for (const [k, group] of byKey) {
      let bytes = 0;
      for (const e of group) {
        e.key = k;
        bytes += e.data.length;
      }
      k.queue.splice(k.head, 0, ...group);
      k.queuedBytes += bytes;
      if (k.shard) k.shard.readyBytes += bytes;
      this.queuedEvents += group.length;
      this.queuedBytes += bytes;
      if (!k.inFlight && !k.ready) this.makeReady(k);
    }
    this.unsentSince ??= this.now();
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
    for (const k of r.keys) {
      k.inFlight = false;
      if (k.head < k.queue.length) this.makeReady(k);
      else if (!k.ready) this.keys.delete(k.pk);
    }
    if (this.roomWaiters.length > 0 && this.hasRoom()) for (const w of this.roomWaiters.splice(0)) w();
    if (this.counters.bufferedEvents === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}

function countFailure(c: ProducerCounters, code: string, n = 1): void {
  c.failuresByCode.set(code, (c.failuresByCode.get(code) ?? 0) + n);
}

/** A KPL aggregate starts with the magic bytes F3 89 9A C2. */
function isAggregate(data: Buffer): boolean {
  return data.length > 4 && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}
