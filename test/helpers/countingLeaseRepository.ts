import type { CommitOptions, LeaseRepository, LeaseRow, WorkerRow } from '../../src/coordinator/LeaseRepository.ts';
import type { ShardInfo } from '../../src/kinesis/KinesisReadPort.ts';
import type { Position, SHARD_END } from '../../src/kinesis/position.ts';

/** Repository calls by kind, with the rows each read returned (what the SQL table would have sent). */
export interface LeaseCallCounts {
  now: number;
  listLeases: number;
  listLeasesRows: number;
  getLease: number;
  addShards: number;
  addShardsRowsRead: number;
  addShardsInserts: number;
  heartbeat: number;
  heartbeatInserts: number;
  listWorkers: number;
  listWorkersRows: number;
  removeWorker: number;
  claim: number;
  renew: number;
  release: number;
  fencedCommit: number;
}

export const zeroCounts = (): LeaseCallCounts => ({
  now: 0,
  listLeases: 0,
  listLeasesRows: 0,
  getLease: 0,
  addShards: 0,
  addShardsRowsRead: 0,
  addShardsInserts: 0,
  heartbeat: 0,
  heartbeatInserts: 0,
  listWorkers: 0,
  listWorkersRows: 0,
  removeWorker: 0,
  claim: 0,
  renew: 0,
  release: 0,
  fencedCommit: 0,
});

export function diffCounts(a: LeaseCallCounts, b: LeaseCallCounts): LeaseCallCounts {
  const out = zeroCounts();
  for (const k of Object.keys(out) as Array<keyof LeaseCallCounts>) out[k] = a[k] - b[k];
  return out;
}

/** What the SQL lease table (src/coordinator/LeaseStore.ts) sends the database for these calls. */
export interface SqlLoad {
  selects: number;
  /** UPDATE, INSERT and DELETE statements. */
  writes: number;
  /** Autocommit writes plus fenced transactions: what the writer makes durable one by one. */
  commits: number;
  /** Every statement, BEGIN and COMMIT included. */
  statements: number;
  rowsRead: number;
}

/**
 * LeaseStore's statements per call: now, getLease = 1 SELECT; listLeases = 1 SELECT of every
 * row of the app; listWorkers = 1 SELECT of every worker row; addShards = 1 SELECT of every shard
 * id, plus 1 multi-row INSERT when some are new; heartbeat = 1 UPDATE, plus 1 INSERT the first
 * time (no row to update); removeWorker = 1 DELETE; claim, renew, release = 1 UPDATE each;
 * fencedCommit = BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT (plus the processor's own work, not
 * counted here).
 */
export function sqlLoad(c: LeaseCallCounts): SqlLoad {
  const selects = c.now + c.listLeases + c.getLease + c.addShards + c.listWorkers + c.fencedCommit;
  const autocommitWrites = c.addShardsInserts + c.heartbeat + c.heartbeatInserts + c.removeWorker + c.claim + c.renew + c.release;
  const writes = autocommitWrites + c.fencedCommit;
  return {
    selects,
    writes,
    commits: autocommitWrites + c.fencedCommit,
    statements: selects + writes + 2 * c.fencedCommit,
    rowsRead: c.now + c.listLeasesRows + c.getLease + c.addShardsRowsRead + c.listWorkersRows + c.fencedCommit,
  };
}

export type MutationKind = 'claim' | 'renew' | 'release' | 'fencedCommit';

/**
 * A lease repository that counts the calls made to the one it wraps and, after every call that
 * changes a lease row, lets the caller look at that row (the invariant checker of a simulation).
 */
export class CountingLeaseRepository implements LeaseRepository<void> {
  counts = zeroCounts();
  private readonly heartbeating = new Set<string>();
  /** Lease rows per app, all added through this repository. */
  private readonly rowCount = new Map<string, number>();
  /** Called after every call that may change a lease row, once it has taken effect. */
  afterMutation: (kind: MutationKind, shardId: string, me: string, result: unknown, from?: string, seenEpoch?: number) => void = () => undefined;

  constructor(private readonly inner: LeaseRepository<void>) {}

  now(): Promise<number> {
    this.counts.now++;
    return this.inner.now();
  }

  async listLeases(app: string): Promise<LeaseRow[]> {
    const rows = await this.inner.listLeases(app);
    this.counts.listLeases++;
    this.counts.listLeasesRows += rows.length;
    return rows;
  }

  getLease(app: string, shardId: string): Promise<LeaseRow | undefined> {
    this.counts.getLease++;
    return this.inner.getLease(app, shardId);
  }

  async addShards(app: string, shards: readonly ShardInfo[]): Promise<number> {
    this.counts.addShards++;
    // LeaseStore reads every known shard id of the app first.
    this.counts.addShardsRowsRead += this.rowCount.get(app) ?? 0;
    const added = await this.inner.addShards(app, shards);
    this.rowCount.set(app, (this.rowCount.get(app) ?? 0) + added);
    if (added > 0) this.counts.addShardsInserts++;
    return added;
  }

  heartbeat(app: string, workerId: string, info: string): Promise<void> {
    this.counts.heartbeat++;
    const key = `${app}\u0000${workerId}`;
    if (!this.heartbeating.has(key)) {
      this.heartbeating.add(key);
      this.counts.heartbeatInserts++;
    }
    return this.inner.heartbeat(app, workerId, info);
  }

  async listWorkers(app: string): Promise<WorkerRow[]> {
    const rows = await this.inner.listWorkers(app);
    this.counts.listWorkers++;
    this.counts.listWorkersRows += rows.length;
    return rows;
  }

  removeWorker(app: string, workerId: string): Promise<void> {
    this.counts.removeWorker++;
    this.heartbeating.delete(`${app}\u0000${workerId}`);
    return this.inner.removeWorker(app, workerId);
  }

  async claim(app: string, shardId: string, me: string, epoch: number, durationMs: number, from?: string): Promise<number | undefined> {
    this.counts.claim++;
    const r = await this.inner.claim(app, shardId, me, epoch, durationMs, from);
    this.afterMutation('claim', shardId, me, r, from, epoch);
    return r;
  }

  async renew(app: string, shardId: string, me: string, epoch: number, durationMs: number, millisBehind: number | null): Promise<boolean> {
    this.counts.renew++;
    const r = await this.inner.renew(app, shardId, me, epoch, durationMs, millisBehind);
    this.afterMutation('renew', shardId, me, r);
    return r;
  }

  async release(app: string, shardId: string, me: string, epoch: number): Promise<boolean> {
    this.counts.release++;
    const r = await this.inner.release(app, shardId, me, epoch);
    this.afterMutation('release', shardId, me, r);
    return r;
  }

  async fencedCommit<T>(app: string, shardId: string, me: string, epoch: number, to: Position | typeof SHARD_END, work?: (tx: void) => Promise<T>, options?: CommitOptions): Promise<T | undefined> {
    this.counts.fencedCommit++;
    const r = await this.inner.fencedCommit(app, shardId, me, epoch, to, work, options);
    this.afterMutation('fencedCommit', shardId, me, r);
    return r;
  }
}
