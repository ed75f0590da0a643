import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log/createLogger.ts';
import type { IteratorStart, KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import type { SqlExecutor, Store } from '../store/Store.ts';
import { StoreError } from '../store/StoreError.ts';
import { backoffDelay } from '../util/retry.ts';
import type { ConsumedRecord } from './deaggregate.ts';
import { planLeases } from './leasePlanner.ts';
import { LeaseLostError } from './LeaseLostError.ts';
import { LeaseStore } from './LeaseStore.ts';
import { comparePosition, SHARD_END, type Position } from './position.ts';
import { createReadCounters, ShardReader, type Fetched, type ReadCounters, type ReaderOptions } from './ShardReader.ts';
import { createShardStats, teeReadCounters, type ShardStats } from './ShardStats.ts';
import { verifyStreamIdentity } from './verifyStreamIdentity.ts';

export interface ShardContext {
  readonly app: string;
  readonly shardId: string;
  readonly epoch: number;
  readonly workerId: string;
  readonly log: Logger;
  /** Aborted when this worker stops working the shard: lease lost, released, or shutdown. */
  readonly signal: AbortSignal;
  /**
   * Runs `work` and moves the checkpoint to `upTo` in one transaction, only while this worker
   * holds the lease at `epoch`. Throws LeaseLostError (nothing written) when it does not.
   */
  commit<T>(upTo: Position, work?: (tx: SqlExecutor) => Promise<T>): Promise<T | undefined>;
}

/** One shard's processing, created per lease; its state dies with the lease. */
export interface ShardProcessor {
  processBatch(records: ConsumedRecord[], info: { millisBehindLatest: number | undefined }): Promise<void>;
  /** The shard is closed and fully read: flush and commit what is buffered. */
  shardEnded?(): Promise<void>;
  /** Graceful stop or hand-off: flush and commit what is buffered. */
  shutdown?(): Promise<void>;
  /** The lease is gone: drop buffered state; commits would fail anyway. */
  leaseLost?(): void;
}

export type ProcessorFactory = (ctx: ShardContext) => ShardProcessor | Promise<ShardProcessor>;

export interface CoordinatorOptions extends ReaderOptions {
  leaseDurationMs: number;
  renewIntervalMs: number;
  takeIntervalMs: number;
  shardSyncIntervalMs: number;
  watchdogMs: number;
}

export interface ConsumerDeps {
  store: Store;
  /** Lease renewals, heartbeats and planning run here, apart from the commits on `store` (default: `store`). */
  leaseStore?: Store;
  kinesis: KinesisReadPort;
  log: Logger;
  now?: () => number;
  observer?: ConsumerObserver;
}

export interface RunConsumerInput {
  app: string;
  processor: ProcessorFactory;
  options: CoordinatorOptions;
  /** Where a root shard without a checkpoint starts; children always start at TRIM_HORIZON. */
  initialPosition: IteratorStart;
  deps: ConsumerDeps;
  workerId?: string;
}

export interface ConsumerCounters extends ReadCounters {
  records: number;
  batches: number;
  commits: number;
  leasesTaken: number;
  leasesStolen: number;
  leasesReleased: number;
  leasesLost: number;
  shardsEnded: number;
  processorErrors: number;
  stuckBatches: number;
  /** ListShards calls that failed (retried with backoff; lease work goes on from the lease table). */
  shardSyncFailures: number;
  /** Commits refused because another worker holds the lease now (nothing was written). */
  fencedCommits: number;
}

/** Hears how long each batch and each commit took (metrics); a throwing observer is ignored. */
export interface ConsumerObserver {
  batch?(shardId: string, seconds: number, records: number): void;
  commit?(shardId: string, seconds: number, outcome: 'ok' | 'fenced' | 'failed'): void;
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

interface ShardTask {
  shardId: string;
  epoch: number;
  expiresAt: number;
  controller: AbortController;
  /** Aborted when the lease is lost: a commit still waiting on the database is abandoned, its connection destroyed. */
  abandon: AbortController;
  /** Marks the lease lost at `expiresAt` unless a renewal moved it: fires even while a renewal hangs. */
  expiry: ReturnType<typeof setTimeout> | undefined;
  lost: boolean;
  release: boolean;
  /** Processing is over; the lease is being released. */
  finished: boolean;
  millisBehind: number | null;
  stats: ShardStats;
  promise: Promise<void>;
}

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Runs one worker of a consumer application: leases shards, reads them in order, feeds the processor. */
export function runConsumer(input: RunConsumerInput): ConsumerHandle {
  const { app, options: o, deps } = input;
  const now = deps.now ?? Date.now;
  const me = input.workerId ?? newWorkerId();
  const log = deps.log.child({ component: 'coordinator', app, worker: me });
  const leases = new LeaseStore(deps.leaseStore ?? deps.store, deps.store);
  const tasks = new Map<string, ShardTask>();
  const counters: ConsumerCounters = {
    records: 0,
    batches: 0,
    commits: 0,
    leasesTaken: 0,
    leasesStolen: 0,
    leasesReleased: 0,
    leasesLost: 0,
    shardsEnded: 0,
    processorErrors: 0,
    stuckBatches: 0,
    shardSyncFailures: 0,
    fencedCommits: 0,
    ...createReadCounters(),
  };
  const observe = (f: () => void) => {
    try {
      f();
    } catch {
      // metrics must never break a worker
    }
  };
  const planning = new AbortController();
  const renewing = new AbortController();
  let abandoned = false;
  let syncRequested = true;

  const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

  function markLost(task: ShardTask, why: string): void {
    if (task.lost) return;
    task.lost = true;
    counters.leasesLost++;
    log.warn({ shardId: task.shardId, epoch: task.epoch, why }, 'lease lost; dropping shard');
    clearTimeout(task.expiry);
    task.controller.abort();
    task.abandon.abort();
  }

  /**
   * The lease is good until `expiresAt` by this worker's own timer (measured from when the claim or
   * renewal was sent, so it ends no later than the database's expiry). Past it, the lease counts as
   * lost even if the renewal is still waiting for a reply.
   */
  function armExpiry(task: ShardTask, sentAt: number): void {
    task.expiresAt = sentAt + o.leaseDurationMs;
    clearTimeout(task.expiry);
    task.expiry = setTimeout(() => {
      if (!task.lost && !task.finished) markLost(task, 'no successful renewal before the lease expired');
    }, Math.max(0, task.expiresAt - now()));
  }

  function makeContext(task: ShardTask): ShardContext {
    let committed: Position | undefined;
    const shardLog = log.child({ shardId: task.shardId, epoch: task.epoch });
    return {
      app,
      shardId: task.shardId,
      epoch: task.epoch,
      workerId: me,
      log: shardLog,
      signal: task.controller.signal,
      async commit(upTo, work) {
        if (committed && comparePosition(upTo, committed) < 0) throw new Error(`${task.shardId}: checkpoint ${upTo.seq}/${upTo.sub} is behind ${committed.seq}/${committed.sub}`);
        for (let attempt = 1; ; attempt++) {
          if (task.lost || abandoned) throw new LeaseLostError(app, task.shardId, task.epoch);
          const t0 = performance.now();
          try {
            const r = await leases.fencedCommit(app, task.shardId, me, task.epoch, upTo, work, { signal: task.abandon.signal });
            committed = upTo;
            counters.commits++;
            task.stats.lastCommitAt = now();
            observe(() => deps.observer?.commit?.(task.shardId, (performance.now() - t0) / 1000, 'ok'));
            return r;
          } catch (err) {
            observe(() => deps.observer?.commit?.(task.shardId, (performance.now() - t0) / 1000, err instanceof LeaseLostError ? 'fenced' : 'failed'));
            if (err instanceof LeaseLostError) {
              counters.fencedCommits++;
              markLost(task, 'commit fenced off');
              throw err;
            }
            if (!(err instanceof StoreError) || !err.retriable) throw err;
            const wait = backoffDelay(attempt, { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 });
            shardLog.warn({ err: err.message, attempt, waitMs: wait }, 'commit failed, retrying');
            await delay(wait);
          }
        }
      },
    };
  }

  async function watched<T>(task: ShardTask, what: string, p: Promise<T>): Promise<T> {
    const started = now();
    const timer = setTimeout(() => {
      counters.stuckBatches++;
      log.error({ shardId: task.shardId, what, runningMs: now() - started }, `processor stuck for over ${o.watchdogMs} ms`);
    }, o.watchdogMs);
    try {
      return await p;
    } finally {
      clearTimeout(timer);
    }
  }

  async function work(task: ShardTask): Promise<void> {
    for (let round = 1; !task.lost && !abandoned; round++) {
      const lease = await leases.getLease(app, task.shardId);
      if (!lease || lease.owner !== me || lease.epoch !== task.epoch) return markLost(task, 'lease changed before start');
      if (lease.state === 'ended') return;
      const ctx = makeContext(task);
      const start: IteratorStart = lease.parentIds.length > 0 ? { type: 'TRIM_HORIZON' } : input.initialPosition;
      // One reader per attempt: when the attempt ends, its read-ahead is cancelled and never left dangling.
      const attempt = new AbortController();
      const reader = new ShardReader({
        kinesis: deps.kinesis,
        shardId: task.shardId,
        range: lease.hashStart && lease.hashEnd ? { start: BigInt(lease.hashStart), end: BigInt(lease.hashEnd) } : undefined,
        from: lease.checkpoint,
        initial: start,
        options: o,
        counters: teeReadCounters(counters, task.stats),
        log,
        signal: AbortSignal.any([task.controller.signal, attempt.signal]),
        shardGone: async () => !(await deps.kinesis.listShards()).some((s) => s.shardId === task.shardId),
        now,
      });
      let processor: ShardProcessor | undefined;
      let pending: Promise<Fetched> | undefined;
      try {
        processor = await input.processor(ctx);
        pending = reader.next();
        while (pending) {
          const batch: Fetched = await pending;
          if (task.controller.signal.aborted) break;
          // Read ahead while the processor works on this batch.
          pending = batch.end ? undefined : reader.next();
          if (batch.records.length > 0) {
            const t0 = performance.now();
            await watched(task, 'processBatch', processor.processBatch(batch.records, { millisBehindLatest: batch.millisBehindLatest }));
            observe(() => deps.observer?.batch?.(task.shardId, (performance.now() - t0) / 1000, batch.records.length));
            counters.records += batch.records.length;
            task.stats.records += batch.records.length;
            counters.batches++;
          }
          if (batch.millisBehindLatest !== undefined) task.millisBehind = task.stats.millisBehindLatest = batch.millisBehindLatest;
          if (batch.end) {
            await watched(task, 'shardEnded', processor.shardEnded?.() ?? Promise.resolve());
            await leases.fencedCommit(app, task.shardId, me, task.epoch, SHARD_END, undefined, { signal: task.abandon.signal });
            counters.shardsEnded++;
            task.lost = true; // the lease row is released by the end commit
            syncRequested = true;
            log.info({ shardId: task.shardId, expired: batch.expired ?? false }, 'shard ended; children become leasable');
            return;
          }
        }
        if (!task.lost && !abandoned) await watched(task, 'shutdown', processor.shutdown?.() ?? Promise.resolve());
        return;
      } catch (err) {
        if (err instanceof LeaseLostError || task.lost || abandoned) {
          if (err instanceof LeaseLostError) markLost(task, 'commit fenced off');
          processor?.leaseLost?.();
          return;
        }
        counters.processorErrors++;
        processor?.leaseLost?.();
        const wait = backoffDelay(round, { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.3 });
        log.error({ shardId: task.shardId, err: err instanceof Error ? err.message : String(err), attempt: round, waitMs: wait }, 'shard processing failed; restarting from the checkpoint');
        await sleep(wait, task.controller.signal);
      } finally {
        attempt.abort();
        pending?.catch(() => undefined);
      }
    }
  }

  function startTask(shardId: string, epoch: number, claimedAt: number): void {
    const task: ShardTask = {
      shardId,
      epoch,
      expiresAt: 0,
      controller: new AbortController(),
      abandon: new AbortController(),
      expiry: undefined,
      lost: false,
      release: false,
      finished: false,
      millisBehind: null,
      stats: createShardStats(shardId, now()),
      promise: Promise.resolve(),
    };
    tasks.set(shardId, task);
    armExpiry(task, claimedAt);
    if (planning.signal.aborted) task.controller.abort();
    task.promise = work(task)
      .catch((err) => log.error({ shardId, err: String(err) }, 'shard task failed'))
      .then(async () => {
        // From here the lease is being given back: renewal must not mistake the release for a loss.
        task.finished = true;
        clearTimeout(task.expiry);
        if (!task.lost && !abandoned) {
          if (await leases.release(app, shardId, me, task.epoch).catch(() => false)) counters.leasesReleased++;
        }
        tasks.delete(shardId);
      });
  }

  async function syncShards(): Promise<void> {
    const shards = await deps.kinesis.listShards();
    const added = await leases.addShards(app, shards);
    if (added > 0) log.info({ added, shards: shards.length }, 'new shards found');
  }

  /** A claim that waited on a locked row (a stuck holder) or failed to reach the database is retried next cycle. */
  async function tryClaim(shardId: string, epoch: number, from?: string): Promise<{ epoch: number; sentAt: number } | undefined> {
    const sentAt = now();
    try {
      const got = await leases.claim(app, shardId, me, epoch, o.leaseDurationMs, from);
      return got === undefined ? undefined : { epoch: got, sentAt };
    } catch (err) {
      if (!(err instanceof StoreError) || !err.retriable) throw err;
      log.info({ shardId, err: err.message }, 'claim did not go through; trying again next cycle');
      return undefined;
    }
  }

  async function planCycle(): Promise<void> {
    // Expiry and liveness are judged by the database's clock, never this host's.
    const t = await leases.dbNow();
    const all = await leases.listLeases(app);
    const workers = (await leases.listWorkers(app)).filter((w) => w.heartbeatAt > t - o.leaseDurationMs).map((w) => w.workerId);
    for (const l of all) {
      const task = tasks.get(l.shardId);
      // A finished task is releasing its lease (or has released it): a row without this worker is that release, not a loss.
      if (task && !task.lost && !task.finished && (l.owner !== me || l.epoch !== task.epoch) && l.state === 'active') markLost(task, `now owned by ${l.owner ?? 'nobody'} at epoch ${l.epoch}`);
    }
    const view = all.map((l) => (tasks.has(l.shardId) && l.owner === me ? l : l.owner === me ? { ...l, expiresAt: 0 } : l));
    const plan = planLeases({ now: t, me, leases: view, liveWorkers: workers });
    for (const c of plan.take) {
      if (tasks.has(c.shardId) || planning.signal.aborted) continue;
      const got = await tryClaim(c.shardId, c.epoch);
      if (got !== undefined) {
        counters.leasesTaken++;
        log.info({ shardId: c.shardId, epoch: got.epoch }, 'lease taken');
        startTask(c.shardId, got.epoch, got.sentAt);
      }
    }
    if (plan.steal && !tasks.has(plan.steal.shardId) && !planning.signal.aborted) {
      const got = await tryClaim(plan.steal.shardId, plan.steal.epoch, plan.steal.from);
      if (got !== undefined) {
        counters.leasesStolen++;
        log.info({ shardId: plan.steal.shardId, epoch: got.epoch, from: plan.steal.from }, 'lease stolen toward a balanced share');
        startTask(plan.steal.shardId, got.epoch, got.sentAt);
      }
    }
    for (const c of plan.release) {
      const task = tasks.get(c.shardId);
      if (task && !task.release) {
        task.release = true;
        log.info({ shardId: c.shardId }, 'handing lease off toward a balanced share');
        task.controller.abort();
      }
    }
  }

  async function renewCycle(): Promise<void> {
    try {
      await leases.heartbeat(app, me, `${hostname()} pid ${process.pid}`);
    } catch (err) {
      log.warn({ err: String(err) }, 'heartbeat failed');
    }
    // Each lease renews on its own: one slow renewal (a row locked by a long commit) does not hold up the rest.
    await Promise.all(
      [...tasks.values()]
        .filter((task) => !task.lost && !task.finished)
        .map(async (task) => {
          const sentAt = now();
          try {
            const renewed = await leases.renew(app, task.shardId, me, task.epoch, o.leaseDurationMs, task.millisBehind);
            if (task.lost || task.finished) return;
            if (renewed) armExpiry(task, sentAt);
            else markLost(task, 'renewal refused');
          } catch (err) {
            log.warn({ shardId: task.shardId, err: String(err) }, 'lease renewal failed');
            if (now() > task.expiresAt) markLost(task, 'could not renew before expiry');
          }
        }),
    );
  }

  async function loop(every: number, signal: AbortSignal, name: string, fn: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, `${name} failed; retrying next cycle`);
      }
      await sleep(every, signal);
    }
  }

  /**
   * Shard discovery on its own clock: a failing ListShards (throttled, no permission) backs off
   * with jitter and is retried, while renewal, taking, hand-off and balancing go on from the
   * lease table.
   */
  async function syncLoop(): Promise<void> {
    let lastSync = -Infinity;
    let retryAt = -Infinity;
    let failures = 0;
    while (!planning.signal.aborted) {
      const t = now();
      if ((syncRequested || t - lastSync >= o.shardSyncIntervalMs) && t >= retryAt) {
        syncRequested = false;
        lastSync = t;
        try {
          await syncShards();
          failures = 0;
        } catch (err) {
          failures++;
          counters.shardSyncFailures++;
          syncRequested = true;
          const wait = backoffDelay(failures, { initialMs: o.takeIntervalMs, maxMs: Math.max(o.takeIntervalMs, o.shardSyncIntervalMs), factor: 2, jitter: 0.5 });
          retryAt = now() + wait;
          log[failures >= 3 ? 'warn' : 'info']({ err: err instanceof Error ? err.message : String(err), attempt: failures, waitMs: wait }, 'listing shards failed; lease work goes on, retrying');
        }
      }
      await sleep(o.takeIntervalMs, planning.signal);
    }
  }

  const started = (async () => {
    await verifyStreamIdentity({ store: deps.store, kinesis: deps.kinesis, app, now, signal: planning.signal, log });
    await renewCycle();
    const discovery = syncLoop();
    const planLoop = loop(o.takeIntervalMs, planning.signal, 'lease planning', planCycle);
    const renewLoop = loop(o.renewIntervalMs, renewing.signal, 'lease renewal', renewCycle);
    await planLoop;
    await discovery;
    // Shutdown order: planning stopped → shards drain, flush, commit and release → renewal stops.
    await Promise.all([...tasks.values()].map((t) => t.promise));
    renewing.abort();
    await renewLoop;
    if (!abandoned) await leases.removeWorker(app, me).catch(() => undefined);
  })();

  const handle: ConsumerHandle = {
    workerId: me,
    counters,
    shards: () => [...tasks.values()].filter((t) => !t.lost).map((t) => t.shardId),
    shardStats: () => [...tasks.values()].filter((t) => !t.lost).map((t) => t.stats),
    async stop() {
      log.info({ shards: handle.shards() }, 'stopping: finishing in-flight batches, committing, releasing leases');
      planning.abort();
      for (const t of tasks.values()) t.controller.abort();
      await started;
    },
    abandon() {
      abandoned = true;
      for (const t of tasks.values()) {
        t.lost = true;
        clearTimeout(t.expiry);
        t.controller.abort();
      }
      planning.abort();
      renewing.abort();
    },
    done: started,
  };
  return handle;
}
