import { createDecipheriv } from 'node:crypto';
import kinesaliteDb from 'kinesalite/db/index.js';

/**
 * The position (a sequence number) an iterator of the embedded kinesalite points at, read with
 * kinesalite's own key: the proxy needs it to name a continuation before any record was pushed.
 */
export function iteratorPosition(upstreamIterator: string): string {
  const buf = Buffer.from(upstreamIterator, 'base64');
  const d = createDecipheriv('aes-256-cbc', kinesaliteDb.ITERATOR_PWD_KEY, kinesaliteDb.ITERATOR_PWD_IV);
  const parts = Buffer.concat([d.update(buf.subarray(8)), d.final()]).toString('utf8').split('/');
  if (parts.length !== 5 || !parts[3]) throw new Error('not an iterator of the embedded kinesalite');
  return parts[3];
}

/**
 * A sequence number `c` such that AFTER_SEQUENCE_NUMBER `c` starts exactly at `position` (kinesalite's AFTER
 * keeps the record index and adds one second): the continuation of a subscription that has not pushed a
 * record yet, e.g. one started at LATEST or TRIM_HORIZON on an empty shard.
 */
export function sequenceBefore(position: string): string {
  const p = kinesaliteDb.parseSequence(position);
  return kinesaliteDb.stringifySequence({ shardCreateTime: p.shardCreateTime, seqIx: p.seqIx, seqTime: (p.seqTime ?? p.shardCreateTime) - 1000, shardIx: p.shardIx });
}
