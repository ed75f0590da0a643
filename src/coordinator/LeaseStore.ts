import type { SqlExecutor, Store, TransactionOptions } from '../store/Store.ts';
import { dbNowMs, insertIgnore } from '../store/sql.ts';
import type { ShardInfo } from '../kinesis/KinesisReadPort.ts';
import type { CommitOptions, LeaseRepository, LeaseRow, WorkerRow } from './LeaseRepository.ts';
import { CheckpointOrderError, LeaseLostError } from './LeaseLostError.ts';
import { comparePosition, SHARD_END, type Position } from '../kinesis/position.ts';

interface RawLease {
  app: string;
  shard_id: string;
  owner: string | null;
  epoch: number | string;
  expires_at: number | string;
  checkpoint_seq: string | null;
  checkpoint_sub: number | string;
  checkpoint_last: number | string;
  parent_ids: string;
  hash_start: string;
  hash_end: string;
  state: string;
  millis_behind: number | string | null;
  updated_at: number | string;
}

function toLease(r: RawLease): LeaseRow {
  return {
    app: r.app,
    shardId: r.shard_id,
    owner: r.owner,
    epoch: Number(r.epoch),
    expiresAt: Number(r.expires_at),
    state: r.state === 'ended' ? 'ended' : 'active',
    parentIds: r.parent_ids ? r.parent_ids.split(',') : [],
    checkpoint: r.checkpoint_seq === null ? undefined : { seq: r.checkpoint_seq, sub: Number(r.checkpoint_sub), last: Number(r.checkpoint_last) === 1 },
    hashStart: r.hash_start,
    hashEnd: r.hash_end,
    millisBehind: r.millis_behind === null ? null : Number(r.millis_behind),
    updatedAt: Number(r.updated_at),
  };
}

/**
 * The lease table and worker heartbeats in SQL. Expiry and heartbeats are written and compared
 * with the database's clock, so workers' clocks never need to agree. A fenced commit's work runs
 * in the same transaction as the checkpoint.
 */
export class LeaseStore implements LeaseRepository<SqlExecutor> {
  private readonly nowSql: string;

  /** `store` runs the lease statements; `commits` the fenced transactions (a pool of their own, so renewals never queue behind commits). */
  constructor(
    readonly store: Store,
    readonly commits: Store = store,
  ) {
    this.nowSql = dbNowMs(store.dialect);
  }

  /** The database's clock, in epoch milliseconds: the one clock leases are judged by. */
  async now(): Promise<number> {
    const [row] = await this.store.query<{ now: number | string }>(`SELECT ${this.nowSql} AS now`);
    return Number(row!.now);
  }

  async listLeases(app?: string): Promise<LeaseRow[]> {
    const rows = app
      ? await this.store.query<RawLease>('SELECT * FROM leases WHERE app = ? ORDER BY shard_id', [app])
      : await this.store.query<RawLease>('SELECT * FROM leases ORDER BY app, shard_id');
    return rows.map(toLease);
  }

  async getLease(app: string, shardId: string): Promise<LeaseRow | undefined> {
    const [row] = await this.store.query<RawLease>('SELECT * FROM leases WHERE app = ? AND shard_id = ?', [app, shardId]);
    return row ? toLease(row) : undefined;
  }

  /**
   * Creates lease rows for shards not seen before; returns how many were new. The known shards are
   * read first (a plain read locks nothing) and only unknown ones are inserted: an insert over
   * existing rows would wait behind, and lock, rows another worker's transaction holds.
   */
  async addShards(app: string, shards: readonly ShardInfo[]): Promise<number> {
    if (shards.length === 0) return 0;
    const known = new Set((await this.store.query<{ shard_id: string }>('SELECT shard_id FROM leases WHERE app = ?', [app])).map((r) => r.shard_id));
    const fresh = shards.filter((s) => !known.has(s.shardId));
    if (fresh.length === 0) return 0;
    const params = fresh.flatMap((s) => [app, s.shardId, s.parentIds.join(','), s.hashStart, s.hashEnd]);
    const r = await this.store.execute(
      `${insertIgnore(this.store.dialect)} INTO leases (app, shard_id, parent_ids, hash_start, hash_end, updated_at) VALUES ${fresh.map(() => `(?, ?, ?, ?, ?, ${this.nowSql})`).join(', ')}`,
      params,
    );
    return r.affectedRows;
  }

  async heartbeat(app: string, workerId: string, info: string): Promise<void> {
    const r = await this.store.execute(`UPDATE workers SET heartbeat_at = ${this.nowSql} WHERE app = ? AND worker_id = ?`, [app, workerId]);
    if (r.affectedRows === 0) {
      await this.store.execute(`${insertIgnore(this.store.dialect)} INTO workers (app, worker_id, heartbeat_at, started_at, info) VALUES (?, ?, ${this.nowSql}, ${this.nowSql}, ?)`, [app, workerId, info.slice(0, 255)]);
    }
  }

  async listWorkers(app?: string): Promise<WorkerRow[]> {
    const rows = await this.store.query<{ app: string; worker_id: string; heartbeat_at: number | string; started_at: number | string; info: string }>(
      app ? 'SELECT * FROM workers WHERE app = ? ORDER BY worker_id' : 'SELECT * FROM workers ORDER BY app, worker_id',
      app ? [app] : [],
    );
    return rows.map((r) => ({ app: r.app, workerId: r.worker_id, heartbeatAt: Number(r.heartbeat_at), startedAt: Number(r.started_at), info: r.info }));
  }

  async removeWorker(app: string, workerId: string): Promise<void> {
    await this.store.execute('DELETE FROM workers WHERE app = ? AND worker_id = ?', [app, workerId]);
  }

  /** Forgets workers silent for longer than `olderThanMs`. */
  async pruneWorkers(app: string, olderThanMs: number): Promise<void> {
    await this.store.execute(`DELETE FROM workers WHERE app = ? AND heartbeat_at < ${this.nowSql} - ?`, [app, olderThanMs]);
  }

  /**
   * Takes a lease seen at `epoch`: free, expired (by the database's clock) or already ours, or — for
   * a steal — still held by `from`. Returns the new epoch, or undefined if someone else changed the lease first.
   */
  async claim(app: string, shardId: string, me: string, epoch: number, durationMs: number, from?: string): Promise<number | undefined> {
    const cond = from === undefined ? `(owner IS NULL OR expires_at <= ${this.nowSql} OR owner = ?)` : 'owner = ?';
    const r = await this.store.execute(
      `UPDATE leases SET owner = ?, epoch = epoch + 1, expires_at = ${this.nowSql} + ?, updated_at = ${this.nowSql} WHERE app = ? AND shard_id = ? AND epoch = ? AND state = 'active' AND ${cond}`,
      [me, durationMs, app, shardId, epoch, from === undefined ? me : from],
    );
    return r.affectedRows === 1 ? epoch + 1 : undefined;
  }

  /** Extends a lease this worker holds to `durationMs` from the database's now; false means it was lost. */
  async renew(app: string, shardId: string, me: string, epoch: number, durationMs: number, millisBehind: number | null): Promise<boolean> {
    const r = await this.store.execute(
      `UPDATE leases SET expires_at = ${this.nowSql} + ?, millis_behind = ?, updated_at = ${this.nowSql} WHERE app = ? AND shard_id = ? AND owner = ? AND epoch = ?`,
      [durationMs, millisBehind, app, shardId, me, epoch],
    );
    return r.affectedRows === 1;
  }

  /** Gives a lease up at once, so another worker takes it on its next cycle. */
  async release(app: string, shardId: string, me: string, epoch: number): Promise<boolean> {
    const r = await this.store.execute(`UPDATE leases SET owner = NULL, expires_at = 0, updated_at = ${this.nowSql} WHERE app = ? AND shard_id = ? AND owner = ? AND epoch = ?`, [
      app,
      shardId,
      me,
      epoch,
    ]);
    return r.affectedRows === 1;
  }

  /** Runs `work` in a transaction that commits only while this worker holds the lease at `epoch`. */
  async withLease<T>(app: string, shardId: string, me: string, epoch: number, work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.commits.transaction(async (tx) => {
      const r = await tx.execute(`UPDATE leases SET updated_at = ${this.nowSql} WHERE app = ? AND shard_id = ? AND owner = ? AND epoch = ?`, [app, shardId, me, epoch]);
      if (r.affectedRows !== 1) throw new LeaseLostError(app, shardId, epoch);
      return work(tx);
    }, options);
  }

  /**
   * One transaction: move the checkpoint (or end the shard) and run `work`, only if this worker
   * still holds the lease at `epoch`. The lease row is read with a lock first, so a concurrent
   * steal waits for, or defeats, this commit. When the stored checkpoint already equals `to`, an
   * earlier try of this very commit went through (its reply was lost): `work` is not run again and
   * the result is `undefined`.
   */
  async fencedCommit<T>(
    app: string,
    shardId: string,
    me: string,
    epoch: number,
    to: Position | typeof SHARD_END,
    work?: (tx: SqlExecutor) => Promise<T>,
    options?: CommitOptions,
  ): Promise<T | undefined> {
    const forUpdate = this.commits.dialect === 'mysql' ? ' FOR UPDATE' : '';
    return this.commits.transaction(async (tx) => {
      const [row] = await tx.query<{ owner: string | null; epoch: number | string; checkpoint_seq: string | null; checkpoint_sub: number | string }>(
        `SELECT owner, epoch, checkpoint_seq, checkpoint_sub FROM leases WHERE app = ? AND shard_id = ?${forUpdate}`,
        [app, shardId],
      );
      if (!row || row.owner !== me || Number(row.epoch) !== epoch) throw new LeaseLostError(app, shardId, epoch);
      const end = to === SHARD_END;
      if (!end && row.checkpoint_seq !== null && row.checkpoint_seq !== SHARD_END) {
        // Sequence numbers compare by length, then digits.
        const order = comparePosition({ seq: row.checkpoint_seq, sub: Number(row.checkpoint_sub) }, to);
        if (order > 0) throw new CheckpointOrderError(`${app}/${shardId}: checkpoint ${to.seq}/${to.sub} is behind the stored ${row.checkpoint_seq}/${row.checkpoint_sub}; nothing was written`);
        if (order === 0) return undefined;
      }
      const r = await tx.execute(
        `UPDATE leases SET checkpoint_seq = ?, checkpoint_sub = ?, checkpoint_last = ?, updated_at = ${this.nowSql}${end ? ", state = 'ended', owner = NULL, expires_at = 0" : ''} WHERE app = ? AND shard_id = ? AND owner = ? AND epoch = ?`,
        [end ? SHARD_END : to.seq, end ? 0 : to.sub, end || to.last ? 1 : 0, app, shardId, me, epoch],
      );
      if (r.affectedRows !== 1) throw new LeaseLostError(app, shardId, epoch);
      return work ? await work(tx) : undefined;
    }, options);
  }
}
