import { AggregateBuilder, encodeAggregate } from '../kinesis/kplAggregation.ts';
import { aggregateTokenWait } from './aggregateTokenWait.ts';
import { freshCallBytes } from './freshCallBytes.ts';
import { HeadQueue } from './HeadQueue.ts';
import { insertRetry } from './insertRetry.ts';
import type { KeyQueues } from './KeyQueues.ts';
import type { Entry, KeyState, OutRecord, ShardLane } from './producerRecords.ts';
import type { ProducerCounters } from './ProducerCounters.ts';
import { shardIndexFor, type ShardMap } from '../kinesis/shardMap.ts';
import { TokenBucket } from './TokenBucket.ts';

/** PutRecords limits. */
export const MAX_CALL_RECORDS = 500;
export const MAX_CALL_BYTES = 5 * 1024 * 1024;
/** Smallest share of the backlog a call is given when the backlog is spread over concurrent calls. */
export const MIN_SPREAD_CALL_BYTES = 1024 * 1024;
/** Largest Kinesis record: data blob plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface CallSettings {
  aggregation: boolean;
  aggregationMaxBytes: number;
  maxConcurrentCalls: number;
  rateLimitPercent: number;
  shardBytesPerSec: number;
  shardRecordsPerSec: number;
}

/**
 * Assembles PutRecords calls: one lane per open shard, each with its ready keys, its retries and
 * its write-limit buckets. A call takes due retries first (oldest first), then new records,
 * round-robin over the lanes; with aggregation a lane's ready events are packed into KPL
 * aggregates (≤ aggregationMaxBytes, ≤ 1 MiB with the partition key) within the lane's tokens.
 */
export class CallBuilder {
  lanes: ShardLane[] = [];
  /** The shortest wait for tokens a lane met since `beginRound` (Infinity: none). */
  bucketWaitMs = Infinity;
  private map: ShardMap | undefined;
  private rr = 0;
  private seq = 0;

  constructor(
    private readonly s: CallSettings,
    private readonly queues: KeyQueues,
    private readonly counters: ProducerCounters,
  ) {}

  laneFor(hash: bigint): ShardLane | undefined {
    if (!this.map) return undefined;
    const i = shardIndexFor(this.map, hash);
    return i < 0 ? undefined : this.lanes[i];
  }

  /** New lanes for `map` (a shard keeps its buckets); ready keys and retries move to the lanes they now belong to. */
  setMap(map: ShardMap, now: number): void {
    const pct = this.s.rateLimitPercent / 100;
    const previous = new Map(this.lanes.map((l) => [l.range.shardId, l]));
    const old = this.lanes;
    this.map = map;
    this.lanes = map.shards.map((range) => {
      const was = previous.get(range.shardId);
      return {
        range,
        ready: new HeadQueue<KeyState>(),
        readyBytes: 0,
        retries: [],
        bytes: was?.bytes ?? new TokenBucket(this.s.shardBytesPerSec * pct, this.s.shardBytesPerSec * pct, now),
        records: was?.records ?? new TokenBucket(this.s.shardRecordsPerSec * pct, this.s.shardRecordsPerSec * pct, now),
      };
    });
    this.queues.rehome(old);
    for (const lane of old) for (const r of lane.retries) this.requeue(r);
  }

  beginRound(): void {
    this.bucketWaitMs = Infinity;
  }

  /** When the earliest queued retry may go (Infinity: none queued). */
  earliestRetryAt(): number {
    let at = Infinity;
    for (const lane of this.lanes) {
      const head = lane.retries[0];
      if (head && head.notBefore < at) at = head.notBefore;
    }
    return at;
  }

  /** One PutRecords call (empty: nothing may go now). New records only when `fresh`. */
  build(now: number, fresh: boolean, freeCalls: number): OutRecord[] {
    const call: OutRecord[] = [];
    const n = this.lanes.length;
    let bytes = 0;
    const start = this.rr++ % n;
    for (let progress = true; progress && call.length < MAX_CALL_RECORDS; ) {
      progress = false;
      for (let i = 0; i < n && call.length < MAX_CALL_RECORDS; i++) {
        const lane = this.lanes[(start + i) % n]!;
        const r = lane.retries[0];
        if (!r || r.notBefore > now || bytes + r.cost > MAX_CALL_BYTES || !this.afford(lane, r.cost, now)) continue;
        lane.retries.shift();
        call.push(r);
        bytes += r.cost;
        progress = true;
      }
    }
    if (!fresh) return call;
    let readyBytes = 0;
    for (const lane of this.lanes) readyBytes += lane.readyBytes;
    const maxBytes = Math.max(bytes, freshCallBytes(readyBytes, freeCalls, MIN_SPREAD_CALL_BYTES, MAX_CALL_BYTES));
    for (let progress = true; progress && call.length < MAX_CALL_RECORDS; ) {
      progress = false;
      for (let i = 0; i < n && call.length < MAX_CALL_RECORDS; i++) {
        const lane = this.lanes[(start + i) % n]!;
        const r = this.s.aggregation ? this.takeAggregate(lane, now, maxBytes - bytes) : this.takeSingle(lane, now, maxBytes - bytes);
        if (!r) continue;
        call.push(r);
        bytes += r.cost;
        progress = true;
      }
    }
    return call;
  }

  /**
   * Queues a record for retry on the lane the current map routes it to. An aggregate whose user
   * records now belong to other shards (the map changed since it was built) is rebuilt, one
   * aggregate per shard with that shard's hash key, instead of being re-sent with a stale one.
   */
  requeue(r: OutRecord): void {
    if (r.explicitHashKey === undefined) {
      const lane = this.laneFor(r.hash) ?? this.lanes[0]!;
      r.shardId = lane.range.shardId;
      insertRetry(lane.retries, r);
      return;
    }
    const groups = new Map<ShardLane, Entry[]>();
    for (const e of r.entries) {
      const lane = this.laneFor(e.key.hash) ?? this.lanes[0]!;
      let g = groups.get(lane);
      if (!g) groups.set(lane, (g = []));
      g.push(e);
    }
    const [only] = groups.keys();
    if (groups.size === 1 && only!.range.startingHashKey === r.explicitHashKey) {
      r.shardId = only!.range.shardId;
      insertRetry(only!.retries, r);
      return;
    }
    this.counters.retriesRebuilt++;
    for (const [lane, entries] of groups) {
      const data = encodeAggregate(entries.map((e) => ({ partitionKey: e.key.pk, data: e.data })));
      const first = entries[0]!.key;
      const keys = r.keys.filter((k) => entries.some((e) => e.key === k));
      let bornAt = Infinity;
      for (const e of entries) bornAt = Math.min(bornAt, e.at);
      const part: OutRecord = {
        ...r,
        data,
        partitionKey: first.pk,
        explicitHashKey: lane.range.startingHashKey,
        hash: lane.range.start,
        userHashes: entries.map((e) => e.key.hash),
        cost: data.length + first.pkLen,
        entries,
        keys,
        bornAt,
        shardId: lane.range.shardId,
      };
      insertRetry(lane.retries, part);
    }
  }

  /** Takes `cost` bytes and one record from the lane's buckets, or notes how long until it could. */
  private afford(lane: ShardLane, cost: number, now: number): boolean {
    if (lane.bytes.available(now) >= cost && lane.records.available(now) >= 1) {
      lane.bytes.tryTake(cost, now);
      lane.records.tryTake(1, now);
      return true;
    }
    this.noteWait(Math.max(lane.bytes.msUntil(Math.min(cost, lane.bytes.capacity), now), lane.records.msUntil(1, now)));
    return false;
  }

  private noteWait(ms: number): void {
    if (ms < this.bucketWaitMs) this.bucketWaitMs = ms;
  }

  private takeSingle(lane: ShardLane, now: number, room: number): OutRecord | undefined {
    const k = lane.ready.peek();
    if (!k) return undefined;
    const cost = k.queue.peek()!.data.length + k.pkLen;
    if (cost > room || !this.afford(lane, cost, now)) return undefined;
    const e = this.queues.take(k);
    const keys: KeyState[] = [];
    this.queues.release(lane, k, keys);
    return { seq: this.seq++, data: e.data, partitionKey: k.pk, explicitHashKey: undefined, hash: k.hash, userHashes: k.hashes, cost, entries: [e], keys, bornAt: e.at, attempts: 0, notBefore: 0, shardId: lane.range.shardId };
  }

  private takeAggregate(lane: ShardLane, now: number, room: number): OutRecord | undefined {
    const first = lane.ready.peek();
    if (!first) return undefined;
    const cost0 = first.pkLen;
    const wait = aggregateTokenWait({ readyBytes: lane.readyBytes, aggregationMaxBytes: this.s.aggregationMaxBytes, pkLen: cost0, bytes: lane.bytes.view(now), records: lane.records.view(now) });
    if (wait > 0) {
      this.noteWait(wait);
      return undefined;
    }
    const tokens = lane.bytes.available(now);
    const budget = Math.min(this.s.aggregationMaxBytes, MAX_RECORD_BYTES - cost0, tokens - cost0, room - cost0);
    const b = new AggregateBuilder();
    const entries: Entry[] = [];
    const held: KeyState[] = [];
    let bornAt = Infinity;
    for (let k: KeyState | undefined = first; k; k = lane.ready.peek()) {
      let took = false;
      let full = false;
      for (let e = k.queue.peek(); e; e = k.queue.peek()) {
        const size = b.sizeWith({ partitionKey: k.pk, data: e.data });
        // An event too big for any aggregate still goes, alone, if the call and the bucket can take it.
        if (size > budget && !(b.count === 0 && size <= Math.min(room, tokens, MAX_RECORD_BYTES) - cost0)) {
          full = true;
          break;
        }
        b.add({ partitionKey: k.pk, data: e.data });
        entries.push(this.queues.take(k));
        if (e.at < bornAt) bornAt = e.at;
        took = true;
        if (size > budget) {
          full = true;
          break;
        }
      }
      if (took) this.queues.release(lane, k, held);
      if (full) break;
    }
    if (b.count === 0) return undefined;
    const data = b.encode();
    const cost = data.length + cost0;
    lane.bytes.tryTake(cost, now);
    lane.records.tryTake(1, now);
    return { seq: this.seq++, data, partitionKey: first.pk, explicitHashKey: lane.range.startingHashKey, hash: lane.range.start, userHashes: entries.map((e) => e.key.hash), cost, entries, keys: held, bornAt, attempts: 0, notBefore: 0, shardId: lane.range.shardId };
  }
}
