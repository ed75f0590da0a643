import type { ShardInfo } from '../kinesis/KinesisReadPort.ts';
import type { CommitOptions, LeaseRepository, LeaseRow, WorkerRow } from './LeaseRepository.ts';
import { CheckpointOrderError, LeaseLostError } from './LeaseLostError.ts';
import { comparePosition, SHARD_END, type Position } from '../kinesis/position.ts';

/** The commit was abandoned through its signal (the lease was lost while it waited); nothing was written. */
export class AbandonedCommitError extends Error {
  constructor(app: string, shardId: string) {
    super(`${app}/${shardId}: commit abandoned by the caller (lease lost); nothing was written`);
    this.name = 'AbandonedCommitError';
  }
}

interface AppTable {
  rows: Map<string, LeaseRow>;
  /** Rows in shard order, rebuilt only when shards are added. */
  sorted: LeaseRow[] | undefined;
  workers: Map<string, WorkerRow>;
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, abandoned: () => Error): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abandoned());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abandoned());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The lease table in memory, with the SQL table's semantics: epochs bumped on every ownership
 * change, compare-and-set claims (steal from a named owner), expiry and heartbeats by this
 * repository's clock (pass a different one than the workers' to model skew), and a row lock: a
 * claim, renewal or release of a row waits while a fenced commit on it runs. Fenced work gets no
 * transaction handle; its effects are the caller's. For unit tests and simulations without a database.
 */
export class MemoryLeaseRepository implements LeaseRepository<void> {
  private readonly apps = new Map<string, AppTable>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly clock: { now(): number }) {}

  async now(): Promise<number> {
    return this.clock.now();
  }

  async listLeases(app: string): Promise<LeaseRow[]> {
    const t = this.table(app);
    t.sorted ??= [...t.rows.values()].sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
    return t.sorted.map(copyRow);
  }

  async getLease(app: string, shardId: string): Promise<LeaseRow | undefined> {
    return this.peek(app, shardId);
  }

  /** The row as it stands, at once: a simulation checks its invariants between two calls. */
  peek(app: string, shardId: string): LeaseRow | undefined {
    const row = this.table(app).rows.get(shardId);
    return row ? copyRow(row) : undefined;
  }

  async addShards(app: string, shards: readonly ShardInfo[]): Promise<number> {
    const t = this.table(app);
    let added = 0;
    for (const s of shards) {
      if (t.rows.has(s.shardId)) continue;
      t.rows.set(s.shardId, {
        app,
        shardId: s.shardId,
        owner: null,
        epoch: 0,
        expiresAt: 0,
        state: 'active',
        parentIds: [...s.parentIds],
        checkpoint: undefined,
        hashStart: s.hashStart,
        hashEnd: s.hashEnd,
        millisBehind: null,
        updatedAt: this.clock.now(),
      });
      added++;
    }
    if (added > 0) t.sorted = undefined;
    return added;
  }

  async heartbeat(app: string, workerId: string, info: string): Promise<void> {
    const t = this.clock.now();
    const workers = this.table(app).workers;
    const w = workers.get(workerId);
    if (w) w.heartbeatAt = t;
    else workers.set(workerId, { app, workerId, heartbeatAt: t, startedAt: t, info: info.slice(0, 255) });
  }

  async listWorkers(app: string): Promise<WorkerRow[]> {
    return [...this.table(app).workers.values()].sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0)).map((w) => ({ ...w }));
  }

  async removeWorker(app: string, workerId: string): Promise<void> {
    this.table(app).workers.delete(workerId);
  }

  claim(app: string, shardId: string, me: string, epoch: number, durationMs: number, from?: string): Promise<number | undefined> {
    return this.locked(app, shardId, (row, t) => {
      if (!row || row.epoch !== epoch || row.state !== 'active') return undefined;
      const free = from === undefined ? row.owner === null || row.expiresAt <= t || row.owner === me : row.owner === from;
      if (!free) return undefined;
      Object.assign(row, { owner: me, epoch: epoch + 1, expiresAt: t + durationMs, updatedAt: t });
      return epoch + 1;
    });
  }

  renew(app: string, shardId: string, me: string, epoch: number, durationMs: number, millisBehind: number | null): Promise<boolean> {
    return this.locked(app, shardId, (row, t) => {
      if (!row || row.owner !== me || row.epoch !== epoch) return false;
      Object.assign(row, { expiresAt: t + durationMs, millisBehind, updatedAt: t });
      return true;
    });
  }

  release(app: string, shardId: string, me: string, epoch: number): Promise<boolean> {
    return this.locked(app, shardId, (row, t) => {
      if (!row || row.owner !== me || row.epoch !== epoch) return false;
      Object.assign(row, { owner: null, expiresAt: 0, updatedAt: t });
      return true;
    });
  }

  fencedCommit<T>(app: string, shardId: string, me: string, epoch: number, to: Position | typeof SHARD_END, work?: (tx: void) => Promise<T>, options?: CommitOptions): Promise<T | undefined> {
    const abandoned = () => new AbandonedCommitError(app, shardId);
    return this.locked(app, shardId, async (row) => {
      if (options?.signal?.aborted) throw abandoned();
      if (!row || row.owner !== me || row.epoch !== epoch) throw new LeaseLostError(app, shardId, epoch);
      const end = to === SHARD_END;
      const stored = row.checkpoint;
      if (!end && stored && stored.seq !== SHARD_END) {
        const order = comparePosition(stored, to);
        if (order > 0) throw new CheckpointOrderError(`${app}/${shardId}: checkpoint ${to.seq}/${to.sub} is behind the stored ${stored.seq}/${stored.sub}; nothing was written`);
        if (order === 0) return undefined;
      }
      const result = work ? await untilAborted(work(), options?.signal, abandoned) : undefined;
      const t = this.clock.now();
      if (end) Object.assign(row, { checkpoint: { seq: SHARD_END, sub: 0, last: true }, state: 'ended', owner: null, expiresAt: 0, updatedAt: t });
      else Object.assign(row, { checkpoint: { ...to }, updatedAt: t });
      return result;
    });
  }

  private table(app: string): AppTable {
    let t = this.apps.get(app);
    if (!t) this.apps.set(app, (t = { rows: new Map(), sorted: undefined, workers: new Map() }));
    return t;
  }

  /** Runs `fn` on the row once no earlier locked call on it is running, as a row lock would. */
  private locked<T>(app: string, shardId: string, fn: (row: LeaseRow | undefined, now: number) => T | Promise<T>): Promise<T> {
    const key = `${app}\u0000${shardId}`;
    const prev = this.locks.get(key);
    const run = (prev ?? Promise.resolve()).then(() => fn(this.table(app).rows.get(shardId), this.clock.now()));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }
}

/** Field by field: a spread copy of every row of a large table on every listing was a simulation's main cost. */
function copyRow(r: LeaseRow): LeaseRow {
  return {
    app: r.app,
    shardId: r.shardId,
    owner: r.owner,
    epoch: r.epoch,
    expiresAt: r.expiresAt,
    state: r.state,
    parentIds: r.parentIds.length === 0 ? [] : [...r.parentIds],
    checkpoint: r.checkpoint ? { ...r.checkpoint } : undefined,
    hashStart: r.hashStart,
    hashEnd: r.hashEnd,
    millisBehind: r.millisBehind,
    updatedAt: r.updatedAt,
  };
}
