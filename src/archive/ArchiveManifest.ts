import { compareSeq } from '../kinesis/position.ts';
import type { SqlExecutor } from '../store/Store.ts';
import { isDuplicateKey } from '../store/StoreError.ts';

/** One committed archive object. */
export interface ManifestEntry {
  app: string;
  shardId: string;
  first: { seq: string; sub: number };
  last: { seq: string; sub: number };
  key: string;
  records: number;
  /** Records stored raw because they were not valid events. */
  invalid: number;
  /** Object bytes as stored, and the JSON Lines bytes before compression. */
  bytes: number;
  rawBytes: number;
  sha256: string;
  minArrivalMs: number;
  maxArrivalMs: number;
  epoch: number;
  workerId: string;
  committedAt: number;
}

interface Row {
  app: string;
  shard_id: string;
  first_seq: string;
  first_sub: number | string;
  last_seq: string;
  last_sub: number | string;
  object_key: string;
  record_count: number | string;
  invalid_count: number | string;
  bytes: number | string;
  raw_bytes: number | string;
  sha256: string;
  min_arrival: number | string;
  max_arrival: number | string;
  epoch: number | string;
  worker_id: string;
  committed_at: number | string;
}

const COLUMNS = 'app, shard_id, first_seq, first_sub, last_seq, last_sub, object_key, record_count, invalid_count, bytes, raw_bytes, sha256, min_arrival, max_arrival, epoch, worker_id, committed_at';

function fromRow(r: Row): ManifestEntry {
  return {
    app: r.app,
    shardId: r.shard_id,
    first: { seq: r.first_seq, sub: Number(r.first_sub) },
    last: { seq: r.last_seq, sub: Number(r.last_sub) },
    key: r.object_key,
    records: Number(r.record_count),
    invalid: Number(r.invalid_count),
    bytes: Number(r.bytes),
    rawBytes: Number(r.raw_bytes),
    sha256: r.sha256,
    minArrivalMs: Number(r.min_arrival),
    maxArrivalMs: Number(r.max_arrival),
    epoch: Number(r.epoch),
    workerId: r.worker_id,
    committedAt: Number(r.committed_at),
  };
}

/** The same archive object: same key, range, contents and size (who committed it, and when, may differ). */
function sameObject(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.key === b.key && a.last.seq === b.last.seq && a.last.sub === b.last.sub && a.sha256 === b.sha256 && a.records === b.records && a.bytes === b.bytes;
}

/** Shard by id (a child's id sorts after its parents'), then position. */
export function compareEntries(a: ManifestEntry, b: ManifestEntry): number {
  return (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0) || compareSeq(a.first.seq, b.first.seq) || a.first.sub - b.first.sub;
}

export interface ManifestFilter {
  shardId?: string;
  /** Objects holding a record that arrived at or after this time. */
  fromMs?: number;
  /** Objects holding a record that arrived before this time. */
  toMs?: number;
}

/** The archive manifest table: which objects are committed. */
export class ArchiveManifest {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Inside the fenced commit transaction: the object becomes part of the archive. The same object
   * committed already (a commit whose reply was lost, tried again) is success, not an error.
   */
  async insert(e: ManifestEntry): Promise<void> {
    try {
      await this.db.execute(`INSERT INTO archive_manifest (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        e.app,
        e.shardId,
        e.first.seq,
        e.first.sub,
        e.last.seq,
        e.last.sub,
        e.key,
        e.records,
        e.invalid,
        e.bytes,
        e.rawBytes,
        e.sha256,
        e.minArrivalMs,
        e.maxArrivalMs,
        e.epoch,
        e.workerId,
        e.committedAt,
      ]);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const [row] = await this.db.query<Row>(`SELECT ${COLUMNS} FROM archive_manifest WHERE app = ? AND shard_id = ? AND first_seq = ? AND first_sub = ?`, [e.app, e.shardId, e.first.seq, e.first.sub]);
      if (!row || !sameObject(fromRow(row), e)) throw err;
    }
  }

  /** Committed objects in shard order. */
  async list(app: string, f: ManifestFilter = {}): Promise<ManifestEntry[]> {
    const where = ['app = ?'];
    const params: unknown[] = [app];
    if (f.shardId !== undefined) (where.push('shard_id = ?'), params.push(f.shardId));
    if (f.fromMs !== undefined) (where.push('max_arrival >= ?'), params.push(f.fromMs));
    if (f.toMs !== undefined) (where.push('min_arrival < ?'), params.push(f.toMs));
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM archive_manifest WHERE ${where.join(' AND ')}`, params);
    return rows.map(fromRow).sort(compareEntries);
  }

  /** Which of these keys of one shard are committed. */
  async committedKeys(app: string, shardId: string, firstSeqs: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < firstSeqs.length; i += 200) {
      const chunk = [...new Set(firstSeqs.slice(i, i + 200))];
      const rows = await this.db.query<{ object_key: string }>(
        `SELECT object_key FROM archive_manifest WHERE app = ? AND shard_id = ? AND first_seq IN (${chunk.map(() => '?').join(', ')})`,
        [app, shardId, ...chunk],
      );
      for (const r of rows) out.add(r.object_key);
    }
    return out;
  }
}
