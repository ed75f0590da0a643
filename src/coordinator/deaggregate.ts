import { decodeAggregate } from '../kinesis/kplAggregation.ts';
import type { RawRecord } from '../kinesis/KinesisReadPort.ts';
import { comparePosition, type Position } from './position.ts';

/** One user record as a processor sees it. */
export interface ConsumedRecord extends Position {
  shardId: string;
  partitionKey: string;
  data: Buffer;
  /** ApproximateArrivalTimestamp of the Kinesis record, ms. */
  arrivalMs: number;
}

/**
 * Expands Kinesis records into user records (KPL aggregates into their sub-records, plain
 * records as sub 0), dropping everything at or before `after`.
 */
export function deaggregate(shardId: string, raw: readonly RawRecord[], after: Position | undefined): { records: ConsumedRecord[]; bytes: number } {
  const records: ConsumedRecord[] = [];
  let bytes = 0;
  for (const r of raw) {
    bytes += r.data.byteLength;
    const subs = decodeAggregate(r.data);
    if (subs === undefined) {
      const rec = { shardId, seq: r.sequenceNumber, sub: 0, last: true, partitionKey: r.partitionKey, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength), arrivalMs: r.arrivalMs };
      if (!after || comparePosition(rec, after) > 0) records.push(rec);
      continue;
    }
    for (let i = 0; i < subs.length; i++) {
      if (after && comparePosition({ seq: r.sequenceNumber, sub: i }, after) <= 0) continue;
      const s = subs[i]!;
      records.push({ shardId, seq: r.sequenceNumber, sub: i, last: i === subs.length - 1, partitionKey: s.partitionKey, data: s.data, arrivalMs: r.arrivalMs });
    }
  }
  return { records, bytes };
}
