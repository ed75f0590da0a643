import type { HeadQueue } from './HeadQueue.ts';
import type { ShardRange } from '../kinesis/shardMap.ts';
import type { TokenBucket } from './TokenBucket.ts';

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

/** One event in the producer. */
export interface Entry {
  /** Whose event this is: the partition key and its hash travel with it into aggregates and re-sends. */
  key: KeyState;
  data: Buffer;
  owner: RecordOwner;
  position: number;
  at: number;
}

/** A partition key's backlog. */
export interface KeyState {
  pk: string;
  pkLen: number;
  hash: bigint;
  /** `[hash]`, shared by every plain record of the key (what the result classifier reads). */
  hashes: readonly bigint[];
  queue: HeadQueue<Entry>;
  queuedBytes: number;
  /** A record holding this key's earlier events is unacknowledged (strict order only). */
  inFlight: boolean;
  /** The shard lane whose ready list holds the key (undefined while it waits for a shard map). */
  lane: ShardLane | undefined;
  ready: boolean;
}

/** One open shard: the keys ready to send to it, its retries, and its write-limit buckets. */
export interface ShardLane {
  range: ShardRange;
  ready: HeadQueue<KeyState>;
  readyBytes: number;
  /** Records to send again, oldest first (`seq`). */
  retries: OutRecord[];
  bytes: TokenBucket;
  records: TokenBucket;
}

/** One Kinesis record: a single event, or a KPL aggregate of events for one shard. */
export interface OutRecord {
  seq: number;
  data: Buffer;
  partitionKey: string;
  /** Set for aggregates: the starting hash key of the shard they were built for. */
  explicitHashKey: string | undefined;
  hash: bigint;
  /** The hash of each user record inside, in order. */
  userHashes: readonly bigint[];
  /** What Kinesis counts against the shard's limits: data plus partition key. */
  cost: number;
  entries: Entry[];
  /** Keys this record holds in flight (strict order). */
  keys: KeyState[];
  bornAt: number;
  attempts: number;
  notBefore: number;
  /** The shard the map predicts. */
  shardId: string;
}
