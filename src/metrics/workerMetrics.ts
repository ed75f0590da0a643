import { Counter, Histogram, type Registry } from 'prom-client';
import type { ConsumerObserver } from '../coordinator/ConsumerObserver.ts';
import type { ConsumerHandle } from '../coordinator/runConsumer.ts';
import type { ShardStats } from '../coordinator/ShardStats.ts';
import { counterFrom, gaugeFrom } from './metricFromValue.ts';

type Row<L extends string> = [Record<L, string>, number];

export interface WorkerSource {
  handle: ConsumerHandle;
  /** The role's own totals: for the dashboard `applied`, `duplicates`, `outOfOrder`, `deadLetters`. */
  roleStats(): Record<string, number>;
}

/**
 * One consumer worker's metrics (`centos_consumer_*`): labelled by `app`, and by `shard` for the
 * shards this worker holds (bounded by its leases). Returns the observer that feeds the latency
 * histograms; pass it to the runtime before the worker starts.
 */
export function workerMetrics(registry: Registry, app: string, now: () => number = Date.now): { observer: ConsumerObserver; register(source: WorkerSource): void } {
  const p = 'centos_consumer_';
  const registers = [registry];
  const batch = new Histogram({
    name: `${p}batch_duration_seconds`,
    help: 'time the processor took for one batch (dashboard: one fenced transaction; archive: buffering, and a flush when due)',
    labelNames: ['app'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const commit = new Histogram({
    name: `${p}commit_duration_seconds`,
    help: 'time of one fenced commit (the work and the checkpoint in one transaction), by outcome',
    labelNames: ['app', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const batchRecords = new Counter({ name: `${p}batch_records_total`, help: 'user records in processed batches', labelNames: ['app'] as const, registers });
  const observer: ConsumerObserver = {
    batch: (_shard, seconds, records) => {
      batch.observe({ app }, seconds);
      batchRecords.inc({ app }, records);
    },
    commit: (_shard, seconds, outcome) => commit.observe({ app, outcome }, seconds),
  };

  const register = ({ handle, roleStats }: WorkerSource) => {
    const c = handle.counters;
    const perApp = (n: () => number) => () => [[{ app }, n()]] as Row<'app'>[];
    const perShard = (pick: (s: ShardStats) => number | null) => () =>
      handle
        .shardStats()
        .filter((s) => pick(s) !== null)
        .map((s) => [{ app, shard: s.shardId }, pick(s)!] as Row<'app' | 'shard'>);
    gaugeFrom(registry, 'centos_worker_info', 'this process: its consumer application and worker id (always 1)', () => [[{ app, worker: handle.workerId }, 1]] as Row<'app' | 'worker'>[], ['app', 'worker']);
    counterFrom(registry, `${p}getrecords_calls_total`, 'GetRecords calls, per shard this worker holds', perShard((s) => s.getRecordsCalls), ['app', 'shard']);
    counterFrom(registry, `${p}getrecords_throttled_total`, 'GetRecords calls refused with ProvisionedThroughputExceededException (paced, never an error)', perShard((s) => s.readsThrottled), ['app', 'shard']);
    counterFrom(registry, `${p}bytes_read_total`, 'bytes of Kinesis records read, per shard', perShard((s) => s.bytesRead), ['app', 'shard']);
    counterFrom(registry, `${p}records_read_total`, 'user records read and handed to the processor, per shard', perShard((s) => s.records), ['app', 'shard']);
    counterFrom(registry, `${p}subrecords_dropped_total`, "aggregated user records dropped for lying outside their shard's hash range (as the KCL does)", perShard((s) => s.subRecordsDropped), ['app', 'shard']);
    gaugeFrom(registry, `${p}millis_behind_latest`, 'how far the last GetRecords answer was behind the tip of the shard', perShard((s) => s.millisBehindLatest), ['app', 'shard']);
    gaugeFrom(registry, `${p}last_commit_age_seconds`, "seconds since this worker's last successful commit on the shard (or since it took the lease): the stuck-worker alarm", perShard((s) => (now() - s.lastCommitAt) / 1000), ['app', 'shard']);
    counterFrom(registry, `${p}records_processed_total`, 'user records handed to the processor (after de-aggregation), all shards', perApp(() => c.records), ['app']);
    counterFrom(registry, `${p}commits_total`, 'fenced checkpoint commits that succeeded', perApp(() => c.commits), ['app']);
    counterFrom(registry, `${p}fenced_commits_total`, 'commits refused because another worker holds the lease now (nothing written)', perApp(() => c.fencedCommits), ['app']);
    counterFrom(registry, `${p}processor_errors_total`, 'processor failures (the shard restarts from its checkpoint)', perApp(() => c.processorErrors), ['app']);
    counterFrom(registry, `${p}stuck_batches_total`, 'batches still processing after coordinator.watchdogMs', perApp(() => c.stuckBatches), ['app']);
    counterFrom(registry, `${p}shards_ended_total`, 'shards read to SHARD_END (or gone past the retention) and checkpointed there', perApp(() => c.shardsEnded), ['app']);
    counterFrom(registry, `${p}shard_sync_failures_total`, 'ListShards failures (retried; lease work goes on)', perApp(() => c.shardSyncFailures), ['app']);
    counterFrom(
      registry,
      `${p}lease_changes_total`,
      'lease changes of this worker: taken (free or expired), stolen (toward balance), lost (another took it), released',
      () =>
        [
          [{ app, change: 'taken' }, c.leasesTaken],
          [{ app, change: 'stolen' }, c.leasesStolen],
          [{ app, change: 'lost' }, c.leasesLost],
          [{ app, change: 'released' }, c.leasesReleased],
        ] as Row<'app' | 'change'>[],
      ['app', 'change'],
    );
    gaugeFrom(registry, `${p}leases_held`, 'shards this worker holds a lease on', perApp(() => handle.shards().length), ['app']);
    const role = (key: string) => perApp(() => roleStats()[key] ?? 0);
    counterFrom(registry, `${p}events_applied_total`, 'dashboard: events applied (each eventId once)', role('applied'), ['app']);
    counterFrom(registry, `${p}duplicates_dropped_total`, 'dashboard: records dropped as repeats of an applied eventId', role('duplicates'), ['app']);
    counterFrom(registry, `${p}out_of_order_total`, 'dashboard: events older than the user state they arrived after', role('outOfOrder'), ['app']);
    counterFrom(registry, `${p}dead_letters_total`, 'dashboard: records stored as dead letters with the reason', role('deadLetters'), ['app']);
  };
  return { observer, register };
}
