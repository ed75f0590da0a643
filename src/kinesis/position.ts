/**
 * A position in a shard: a Kinesis sequence number plus the sub-sequence of a user record
 * inside a KPL aggregate. `last` says whether it was the aggregate's final user record, so a
 * resume knows whether to re-read the aggregate (AT) or skip past it (AFTER).
 */
export interface Position {
  seq: string;
  sub: number;
  last: boolean;
}

export const SHARD_END = 'SHARD_END';

/** Orders sequence numbers (decimal strings up to 128 bits). */
export function compareSeq(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePosition(a: Pick<Position, 'seq' | 'sub'>, b: Pick<Position, 'seq' | 'sub'>): number {
  return compareSeq(a.seq, b.seq) || a.sub - b.sub;
}

export function formatPosition(p: Position | undefined): string {
  if (!p) return '-';
  return p.seq === SHARD_END ? SHARD_END : `${p.seq}/${p.sub}`;
}
