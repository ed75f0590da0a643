import { hostname } from 'node:os';
import type { IteratorStart, KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import type { SqlExecutor, Store } from '../store/Store.ts';
import { ByteBudget } from './ByteBudget.ts';
import { systemClock, type Clock } from './Clock.ts';
import { createConsumerCounters, type ConsumerCounters } from './ConsumerCounters.ts';
import type { ConsumerObserver } from './ConsumerObserver.ts';
import type { CoordinatorOptions } from './CoordinatorOptions.ts';
import { LeaseKeeper, type HeldLease } from './LeaseKeeper.ts';
import type { LeaseRepository } from './LeaseRepository.ts';
import { LeaseStore } from './LeaseStore.ts';
import { newWorkerId } from './newWorkerId.ts';
import { PlanCycle } from './PlanCycle.ts';
import type { ProcessorFactory } from './ShardProcessor.ts';
import { ShardDiscovery } from './ShardDiscovery.ts';
import type { ShardStats } from './ShardStats.ts';
import { ShardWorker } from './ShardWorker.ts';
import type { RecordSourceFactory } from '../kinesis/RecordSource.ts';
import { runEvery } from './runEvery.ts';
import { verifyStreamIdentity } from './verifyStreamIdentity.ts';

interface CommonDeps {
  kinesis: KinesisReadPort;
  log: Logger;
  /** The worker's clock: timers, waits and its own view of lease expiry (default: the system clock). */
  clock?: Clock;
  observer?: ConsumerObserver;
  /** Where each shard's records come from: polling (the default) or enhanced fan-out. */
  records?: RecordSourceFactory;
}

/** Production wiring: the lease table in SQL, commits in the same transaction as the processor's writes. */
export interface SqlConsumerDeps extends CommonDeps {
  store: Store;
  /** Lease renewals, heartbeats and planning run here, apart from the commits on `store` (default: `store`). */
  leaseStore?: Store;
}

/** Any lease repository, e.g. the in-memory one in unit tests. The stream's identity is not checked. */
export interface RepositoryConsumerDeps<Tx> extends CommonDeps {
  leases: LeaseRepository<Tx>;
}

export interface RunConsumerInput<Tx, Deps> {
  app: string;
  processor: ProcessorFactory<Tx>;
  options: CoordinatorOptions;
  /** Where a root shard without a checkpoint starts; children always start at TRIM_HORIZON. */
  initialPosition: IteratorStart;
  deps: Deps;
  workerId?: string;
  /** How this worker reads (shown by `centos status`; default polling). */
  mode?: 'polling' | 'efo';
}

export interface ConsumerHandle {
  readonly workerId: string;
  readonly counters: ConsumerCounters;
  /** Shards this worker is working now. */
  shards(): string[];
  /** Per shard this worker holds: reads, records, lag and the time of its last commit. */
  shardStats(): ShardStats[];
  /** Graceful: stop fetching → finish in-flight batches → flush and commit → release leases. */
  stop(): Promise<void>;
  /** Like a crash: stop everything at once, commit nothing, release nothing. */
  abandon(): void;
  /** Resolves when the worker has stopped. */
  readonly done: Promise<void>;
}

/** Runs one worker of a consumer application: leases shards, reads them in order, feeds the processor. */
export function runConsumer(input: RunConsumerInput<SqlExecutor, SqlConsumerDeps>): ConsumerHandle;
export function runConsumer<Tx>(input: RunConsumerInput<Tx, RepositoryConsumerDeps<Tx>>): ConsumerHandle;
export function runConsumer<Tx>(input: RunConsumerInput<Tx, SqlConsumerDeps | RepositoryConsumerDeps<Tx>>): ConsumerHandle {
  const { app, options: o, deps } = input;
  const clock = deps.clock ?? systemClock;
  const me = input.workerId ?? newWorkerId();
  const log = deps.log.child({ component: 'coordinator', app, worker: me });
  const sql = 'store' in deps ? deps : undefined;
  const leases = sql ? (new LeaseStore(sql.leaseStore ?? sql.store, sql.store) as unknown as LeaseRepository<Tx>) : (deps as RepositoryConsumerDeps<Tx>).leases;
  const counters = createConsumerCounters();
  const planning = new AbortController();
  const renewing = new AbortController();
  const workers = new Map<string, ShardWorker<Tx>>();
  const budget = o.memoryBudgetBytes ? new ByteBudget(o.memoryBudgetBytes) : undefined;

  const keeper = new LeaseKeeper({ app, workerId: me, leases, clock, log, counters, leaseDurationMs: o.leaseDurationMs, renewIntervalMs: o.renewIntervalMs, info: `${hostname()} pid ${process.pid} · ${input.mode ?? 'polling'}` });
  const discovery = new ShardDiscovery({ app, kinesis: deps.kinesis, leases, clock, log, counters, takeIntervalMs: o.takeIntervalMs, shardSyncIntervalMs: o.shardSyncIntervalMs });
  const work = (lease: HeldLease) => {
    const worker = new ShardWorker(lease, {
      app,
      workerId: me,
      leases,
      keeper,
      processor: input.processor,
      kinesis: deps.kinesis,
      initialPosition: input.initialPosition,
      options: o,
      clock,
      log,
      counters,
      observer: deps.observer,
      budget,
      records: deps.records,
      onShardEnded: () => discovery.request(),
    });
    workers.set(lease.shardId, worker);
    if (planning.signal.aborted) worker.stop();
    void worker.done.then(() => {
      if (workers.get(lease.shardId) === worker) workers.delete(lease.shardId);
    });
  };
  const plan = new PlanCycle({ app, workerId: me, leases, keeper, clock, log, counters, leaseDurationMs: o.leaseDurationMs, stopping: planning.signal, onTaken: work, onHandOff: (shardId) => workers.get(shardId)?.handOff() });
  const working = () => [...workers.values()].filter((w) => !w.lease.gone);

  const started = (async () => {
    if (sql) await verifyStreamIdentity({ store: sql.store, kinesis: deps.kinesis, app, now: () => clock.now(), signal: planning.signal, log });
    await keeper.renewCycle();
    const discovering = discovery.run(planning.signal);
    const planLoop = runEvery({ everyMs: o.takeIntervalMs, signal: planning.signal, name: 'lease planning', clock, log }, () => plan.run());
    const renewLoop = keeper.run(renewing.signal);
    await planLoop;
    await discovering;
    // Shutdown order: planning stopped → shards drain, flush, commit and release → renewal stops → the worker row goes.
    await Promise.all([...workers.values()].map((w) => w.done));
    renewing.abort();
    await renewLoop;
    await keeper.leave();
  })();

  const handle: ConsumerHandle = {
    workerId: me,
    counters,
    shards: () => working().map((w) => w.shardId),
    shardStats: () => working().map((w) => w.stats),
    async stop() {
      log.info({ shards: handle.shards() }, 'stopping: finishing in-flight batches, committing, releasing leases');
      planning.abort();
      for (const w of workers.values()) w.stop();
      await started;
    },
    abandon() {
      keeper.abandon();
      planning.abort();
      renewing.abort();
    },
    done: started,
  };
  return handle;
}
