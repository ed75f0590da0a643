import { CentosError } from '../errors.ts';
import type { Store } from '../store/Store.ts';
import { isMissingTable } from '../store/StoreError.ts';
import type { LeaseRow, WorkerRow } from './LeaseRepository.ts';
import { LeaseStore } from './LeaseStore.ts';
import { formatPosition } from '../kinesis/position.ts';

export interface ShardStatus {
  app: string;
  shardId: string;
  state: 'active' | 'ended' | 'waiting';
  owner: string | null;
  ownerLive: boolean;
  epoch: number;
  checkpoint: string;
  millisBehindLatest: number | null;
  leaseExpiresInMs: number | null;
  parents: string[];
  hashRange: [string, string];
}

export interface WorkerStatus {
  app: string;
  workerId: string;
  info: string;
  /** How the worker reads its shards: polling GetRecords or enhanced fan-out (from its heartbeat). */
  mode: 'polling' | 'efo';
  live: boolean;
  lastHeartbeatMsAgo: number;
  upMs: number;
  shards: string[];
}

export interface StatusSnapshot {
  at: string;
  shards: ShardStatus[];
  workers: WorkerStatus[];
}

/** The coordinator's view: who owns what, where each shard's checkpoint is, how far behind. */
export function buildStatus(leases: LeaseRow[], workers: WorkerRow[], now: number, leaseDurationMs: number): StatusSnapshot {
  const ended = new Set(leases.filter((l) => l.state === 'ended').map((l) => `${l.app}/${l.shardId}`));
  const known = new Set(leases.map((l) => `${l.app}/${l.shardId}`));
  const shards: ShardStatus[] = leases.map((l) => {
    const live = l.owner !== null && l.expiresAt > now;
    const waiting = l.state === 'active' && l.parentIds.some((p) => known.has(`${l.app}/${p}`) && !ended.has(`${l.app}/${p}`));
    return {
      app: l.app,
      shardId: l.shardId,
      state: l.state === 'ended' ? 'ended' : waiting ? 'waiting' : 'active',
      owner: l.owner,
      ownerLive: live,
      epoch: l.epoch,
      checkpoint: formatPosition(l.checkpoint),
      millisBehindLatest: l.state === 'ended' ? 0 : l.millisBehind,
      leaseExpiresInMs: l.owner === null ? null : l.expiresAt - now,
      parents: l.parentIds,
      hashRange: [l.hashStart, l.hashEnd],
    };
  });
  const workerStatus: WorkerStatus[] = workers.map((w) => ({
    app: w.app,
    workerId: w.workerId,
    info: w.info.replace(/ · (polling|efo)$/, ''),
    mode: / · efo$/.test(w.info) ? 'efo' : 'polling',
    live: w.heartbeatAt > now - leaseDurationMs,
    lastHeartbeatMsAgo: now - w.heartbeatAt,
    upMs: now - w.startedAt,
    shards: shards.filter((s) => s.app === w.app && s.owner === w.workerId && s.ownerLive).map((s) => s.shardId),
  }));
  return { at: new Date(now).toISOString(), shards, workers: workerStatus };
}

/** Lease ages and liveness by the database's clock, the one leases are judged by. */
export async function readStatus(store: Store, leaseDurationMs: number, app?: string): Promise<StatusSnapshot> {
  const ls = new LeaseStore(store);
  try {
    const [leases, workers, now] = await Promise.all([ls.listLeases(app), ls.listWorkers(app), ls.now()]);
    return buildStatus(leases, workers, now, leaseDurationMs);
  } catch (err) {
    if (isMissingTable(err)) throw new CentosError(`database ${store.description} has no centos schema yet; run \`centos setup\` first`);
    throw err;
  }
}

function ms(v: number | null): string {
  if (v === null) return '-';
  if (Math.abs(v) < 1000) return `${v} ms`;
  if (Math.abs(v) < 120_000) return `${(v / 1000).toFixed(1)} s`;
  return `${Math.round(v / 60_000)} min`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** The human table `centos status` prints. */
export function formatStatus(s: StatusSnapshot): string {
  if (s.shards.length === 0 && s.workers.length === 0) return 'No leases yet: no consumer has run against this database (is db.url right?).\n';
  const shardRows = [['APP', 'SHARD', 'STATE', 'OWNER', 'EPOCH', 'LEASE', 'CHECKPOINT', 'BEHIND', 'PARENTS']];
  for (const x of s.shards) {
    const lease = x.owner === null ? '-' : x.ownerLive ? `${ms(x.leaseExpiresInMs)} left` : 'EXPIRED';
    const cp = x.checkpoint.length > 34 ? '…' + x.checkpoint.slice(-33) : x.checkpoint;
    shardRows.push([x.app, x.shardId, x.state, x.owner ?? '-', String(x.epoch), lease, cp, ms(x.millisBehindLatest), x.parents.join(',') || '-']);
  }
  const workerRows = [['APP', 'WORKER', 'MODE', 'LIVE', 'HEARTBEAT', 'UP', 'SHARDS', 'HOST']];
  for (const w of s.workers) workerRows.push([w.app, w.workerId, w.mode, w.live ? 'yes' : 'no', `${ms(w.lastHeartbeatMsAgo)} ago`, ms(w.upMs), String(w.shards.length), w.info]);
  return `${table(shardRows)}\n\n${s.workers.length ? table(workerRows) : 'No live workers.'}\n`;
}
