import { HeadQueue } from './HeadQueue.ts';
import type { Entry, KeyState, RecordOwner, ShardLane } from './producerRecords.ts';
import { hashKeyOf } from '../kinesis/shardMap.ts';

/**
 * Per-partition-key queues of events not yet in a record, and which keys are ready to send on
 * which shard lane. In strict order a key whose events are in an unacknowledged record is held
 * (not ready) until that record settles, so a retry is never overtaken by a newer record.
 */
export class KeyQueues {
  private readonly keys = new Map<string, KeyState>();
  /** Ready keys no lane holds: no shard map yet, or their hash falls in a gap while resharding. */
  private unplaced: KeyState[] = [];
  /** Events and bytes waiting in the queues. */
  events = 0;
  bytes = 0;

  constructor(
    private readonly strictOrder: boolean,
    /** The lane a key's hash belongs to under the current map, if any. */
    private readonly laneFor: (hash: bigint) => ShardLane | undefined,
    /** A ready key found no lane. */
    private readonly onUnplaced: () => void,
  ) {}

  add(partitionKey: string, data: Buffer, owner: RecordOwner, position: number, at: number): void {
    let k = this.keys.get(partitionKey);
    if (!k) {
      const hash = hashKeyOf(partitionKey);
      k = { pk: partitionKey, pkLen: Buffer.byteLength(partitionKey), hash, hashes: [hash], queue: new HeadQueue(), queuedBytes: 0, inFlight: false, lane: undefined, ready: false };
      this.keys.set(partitionKey, k);
    }
    k.queue.push({ key: k, data, owner, position, at });
    this.queued(k, 1, data.length);
    if (!k.inFlight && !k.ready) this.makeReady(k);
  }

  /** Takes the oldest event of `k`, a key at the head of its lane's ready list. */
  take(k: KeyState): Entry {
    const e = k.queue.shift()!;
    this.queued(k, -1, -e.data.length);
    return e;
  }

  /** After some of `k`'s events went into a record: hold it (strict order, into `held`), leave it ready, or forget it. */
  release(lane: ShardLane, k: KeyState, held: KeyState[]): void {
    const empty = k.queue.size === 0;
    if (this.strictOrder) {
      k.inFlight = true;
      held.push(k);
      this.unready(lane, k);
    } else if (empty) {
      this.unready(lane, k);
      this.keys.delete(k.pk);
    }
  }

  /** The record that held `keys` is settled: each sends again, or is forgotten once it has nothing left. */
  settle(keys: readonly KeyState[]): void {
    for (const k of keys) {
      k.inFlight = false;
      if (k.queue.size > 0) this.makeReady(k);
      else if (!k.ready) this.keys.delete(k.pk);
    }
  }

  /** Returns unacknowledged events to the front of their keys' queues, in their order. */
  putBack(entries: readonly Entry[]): void {
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
      k.queue.unshiftAll(group);
      this.queued(k, group.length, bytes);
      if (!k.inFlight && !k.ready) this.makeReady(k);
    }
  }

  /** The lanes are being replaced (a new shard map): every ready key is placed again. */
  rehome(oldLanes: readonly ShardLane[]): void {
    const homeless = this.unplaced;
    this.unplaced = [];
    for (const lane of oldLanes) for (const k of lane.ready.drain()) homeless.push(k);
    for (const k of homeless) {
      k.ready = false;
      k.lane = undefined;
      this.makeReady(k);
    }
  }

  private makeReady(k: KeyState): void {
    k.ready = true;
    const lane = this.laneFor(k.hash);
    if (!lane) {
      this.unplaced.push(k);
      this.onUnplaced();
      return;
    }
    k.lane = lane;
    lane.ready.push(k);
    lane.readyBytes += k.queuedBytes;
  }

  /** Takes `k` off its lane's ready list (it is at the head). */
  private unready(lane: ShardLane, k: KeyState): void {
    lane.ready.shift();
    lane.readyBytes -= k.queuedBytes;
    k.ready = false;
    k.lane = undefined;
  }

  private queued(k: KeyState, events: number, bytes: number): void {
    k.queuedBytes += bytes;
    if (k.lane) k.lane.readyBytes += bytes;
    this.events += events;
    this.bytes += bytes;
  }
}
