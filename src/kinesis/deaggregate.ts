import { decodeAggregate } from './kplAggregation.ts';
import type { RawRecord } from './KinesisReadPort.ts';
import { hashKeyOf } from './shardMap.ts';
import { comparePosition, type Position } from './position.ts';

/** One user record as a processor sees it. */
export interface ConsumedRecord extends Position {
  shardId: string;
  partitionKey: string;
  data: Buffer;
  /** ApproximateArrivalTimestamp of the Kinesis record, ms. */
  arrivalMs: number;
}

/** A shard's hash-key range (inclusive). */
export interface HashRange {
  start: bigint;
  end: bigint;
}

export interface Deaggregated {
  records: ConsumedRecord[];
  /** Bytes of the Kinesis records (as GetRecords counts them). */
  bytes: number;
  /** Sub-records dropped because their hash key is outside the shard's range. */
  dropped: number;
}

/**
 * Expands Kinesis records into user records (KPL aggregates into their sub-records, plain
 * records as sub 0), dropping everything at or before `after`. Given the shard's `range`, it
 * drops, as the AWS KCL does, the sub-records of an aggregate whose hash key (explicit, else the
 * MD5 of the partition key) lies outside it: copies a producer with a stale shard map put here
 * and (a KPL-like producer) sent again to the right shard.
 */
export function deaggregate(shardId: string, raw: readonly RawRecord[], after: Position | undefined, range?: HashRange): Deaggregated {
  const records: ConsumedRecord[] = [];
  let bytes = 0;
  let dropped = 0;
  for (const r of raw) {
    bytes += r.data.byteLength;
    const subs = decodeAggregate(r.data);
    if (subs === undefined) {
      const rec = { shardId, seq: r.sequenceNumber, sub: 0, last: true, partitionKey: r.partitionKey, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength), arrivalMs: r.arrivalMs };
      if (!after || comparePosition(rec, after) > 0) records.push(rec);
      continue;
    }
    let lastKept: ConsumedRecord | undefined;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]!;
      if (range) {
        const hash = s.explicitHashKey !== undefined ? BigInt(s.explicitHashKey) : hashKeyOf(s.partitionKey);
        if (hash < range.start || hash > range.end) {
          dropped++;
          continue;
        }
      }
      if (after && comparePosition({ seq: r.sequenceNumber, sub: i }, after) <= 0) continue;
      lastKept = { shardId, seq: r.sequenceNumber, sub: i, last: false, partitionKey: s.partitionKey, data: s.data, arrivalMs: r.arrivalMs };
      records.push(lastKept);
    }
    // Whatever follows the last kept sub-record was dropped: a resume may skip past the aggregate.
    if (lastKept) lastKept.last = true;
  }
  return { records, bytes, dropped };
}
