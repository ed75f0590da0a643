import type { Registry } from 'prom-client';
import type { ConsumerHandle } from '../coordinator/runConsumer.ts';
import { counterFrom, gaugeFrom } from './metricFromValue.ts';

type Row<L extends string> = [Record<L, string>, number];

/** One consumer worker's metrics (`centos_consumer_*`), labelled by app and, per leased shard, shard. */
export function registerWorkerMetrics(registry: Registry, app: string, handle: ConsumerHandle): void {
  const p = 'centos_consumer_';
  const c = handle.counters;
  gaugeFrom(registry, 'centos_worker_info', 'this process: its consumer application and worker id (always 1)', () => [[{ app, worker: handle.workerId }, 1]] as Row<'app' | 'worker'>[], ['app', 'worker']);
  counterFrom(registry, `${p}records_processed_total`, 'user records handed to the processor (after de-aggregation)', () => [[{ app }, c.records]] as Row<'app'>[], ['app']);
  counterFrom(registry, `${p}batches_total`, 'batches processed', () => [[{ app }, c.batches]] as Row<'app'>[], ['app']);
  counterFrom(registry, `${p}commits_total`, 'fenced checkpoint commits that succeeded', () => [[{ app }, c.commits]] as Row<'app'>[], ['app']);
  counterFrom(registry, `${p}processor_errors_total`, 'processor failures (the shard restarts from its checkpoint)', () => [[{ app }, c.processorErrors]] as Row<'app'>[], ['app']);
  counterFrom(registry, `${p}stuck_batches_total`, 'batches still processing after coordinator.watchdogMs', () => [[{ app }, c.stuckBatches]] as Row<'app'>[], ['app']);
  counterFrom(registry, `${p}shards_ended_total`, 'shards read to SHARD_END and checkpointed there', () => [[{ app }, c.shardsEnded]] as Row<'app'>[], ['app']);
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
  gaugeFrom(registry, `${p}leases_held`, 'shards this worker holds a lease on', () => [[{ app }, handle.shards().length]] as Row<'app'>[], ['app']);
}
