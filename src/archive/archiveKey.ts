import type { Position } from '../kinesis/position.ts';

export type Compression = 'gzip' | 'none';

export interface ArchiveKeyInput {
  prefix: string;
  shardId: string;
  first: Pick<Position, 'seq' | 'sub'>;
  last: Pick<Position, 'seq' | 'sub'>;
  /** Arrival time of the first record: chooses the dt=/hour= partition. */
  firstArrivalMs: number;
  compression: Compression;
}

export interface ParsedArchiveKey {
  shardId: string;
  first: { seq: string; sub: number };
  last: { seq: string; sub: number };
  compression: Compression;
}

/**
 * `<prefix>/dt=YYYY-MM-DD/hour=HH/<shard>/<firstSeq>-<firstSub>_<lastSeq>-<lastSub>.jsonl[.gz]`.
 * Everything comes from the records, so a replay of the same range writes the same key; the
 * last position is part of it so that a key always names exactly one content — a zombie that
 * cut its object at another record can never overwrite a committed object with other bytes.
 */
export function archiveKey(k: ArchiveKeyInput): string {
  const iso = new Date(k.firstArrivalMs).toISOString();
  const name = `${k.first.seq}-${k.first.sub}_${k.last.seq}-${k.last.sub}.jsonl${k.compression === 'gzip' ? '.gz' : ''}`;
  const rel = `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${k.shardId}/${name}`;
  return k.prefix ? `${k.prefix}/${rel}` : rel;
}

const KEY = /(?:^|\/)dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/([^/]+)\/(\d+)-(\d+)_(\d+)-(\d+)\.jsonl(\.gz)?$/;

/** The shard and range an archive key names; undefined for keys the archive did not write. */
export function parseArchiveKey(key: string): ParsedArchiveKey | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  return { shardId: m[1]!, first: { seq: m[2]!, sub: Number(m[3]) }, last: { seq: m[4]!, sub: Number(m[5]) }, compression: m[6] ? 'gzip' : 'none' };
}
