import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SnapshotSource } from './snapshotSource.ts';

export interface DashboardMetrics {
  observeRequest(route: string, method: string, status: number, seconds: number | undefined): void;
  readonly liveClients: Gauge;
}

/**
 * The server's own request metrics, and gauges read from the dashboard data at scrape time
 * (through the shared snapshot cache, so a scrape costs no extra queries within its age).
 */
export function dashboardMetrics(registry: Registry, source: SnapshotSource, maxAgeMs: number): DashboardMetrics {
  const registers = [registry];
  const requests = new Counter({ name: 'centos_http_requests_total', help: 'HTTP requests served by the dashboard', labelNames: ['route', 'method', 'status'] as const, registers });
  const duration = new Histogram({
    name: 'centos_http_request_duration_seconds',
    help: 'time to answer a dashboard request (live streams not included)',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const liveClients = new Gauge({ name: 'centos_dashboard_live_clients', help: 'open live-update (SSE) connections', registers });

  let pending: Promise<Awaited<ReturnType<SnapshotSource['current']>>> | undefined;
  const snapshot = () => (pending ??= source.current(maxAgeMs).finally(() => (pending = undefined)));
  const fromSummary = (name: string, help: string, pick: (s: Awaited<ReturnType<typeof snapshot>>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(pick(await snapshot()));
      },
    });
  fromSummary('centos_dashboard_db_up', '1 when the dashboard database answered the last read', (s) => (s.db.ok ? 1 : 0));
  fromSummary('centos_dashboard_events_applied', 'events applied to the dashboard DB (each eventId once)', (s) => s.summary.events);
  fromSummary('centos_dashboard_duplicates_dropped', 'records dropped as duplicates of an applied eventId', (s) => s.summary.duplicatesDropped);
  fromSummary('centos_dashboard_out_of_order', 'events older than the user state they arrived after', (s) => s.summary.outOfOrder);
  fromSummary('centos_dashboard_dead_letters', 'records that failed validation and went to dead_letters', (s) => s.summary.deadLetters);
  fromSummary('centos_dashboard_users', 'distinct users (as of the last roll-up)', (s) => s.summary.users);
  fromSummary('centos_scheduler_rollup_age_seconds', 'age of the scheduler roll-ups (-1 before the first)', (s) => (s.computedAt === null ? -1 : (Date.parse(s.at) - s.computedAt) / 1000));
  new Gauge({
    name: 'centos_shard_millis_behind_latest',
    help: 'per consumer application and shard: how far its checkpoint is behind the stream tip',
    labelNames: ['app', 'shard'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const sh of s.pipeline.shards) if (sh.millisBehindLatest !== null) this.set({ app: sh.app, shard: sh.shardId }, sh.millisBehindLatest);
    },
  });
  new Gauge({
    name: 'centos_shard_lease_epoch',
    help: 'per consumer application and shard: the lease epoch (changes on every ownership change)',
    labelNames: ['app', 'shard'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const sh of s.pipeline.shards) this.set({ app: sh.app, shard: sh.shardId }, sh.epoch);
    },
  });
  return {
    liveClients,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      if (seconds !== undefined) duration.observe({ route }, seconds);
    },
  };
}
