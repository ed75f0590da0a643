import { newWorkerId } from '../coordinator/newWorkerId.ts';
import { LeaseLostError } from '../coordinator/LeaseLostError.ts';
import { LeaseStore } from '../coordinator/LeaseStore.ts';
import type { Logger } from '../log/createLogger.ts';
import type { SqlExecutor, Store } from '../store/Store.ts';
import { backoffDelay, isMarkedRetriable, pause, policies } from '../util/retry.ts';

export const SCHEDULER_APP = '__scheduler__';
const LEADER = 'leader';

export interface JobContext {
  store: Store;
  now: number;
  log: Logger;
  /** A transaction that commits only while this scheduler is still the leader. */
  fenced<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface Job {
  name: string;
  everyMs: number;
  run(ctx: JobContext): Promise<unknown>;
}

export interface SchedulerHandle {
  readonly id: string;
  isLeader(): boolean;
  readonly runs: Record<string, number>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * Runs periodic jobs on exactly one active scheduler: a leader lease in the lease table. Others
 * wait as standbys and take over once the leader's lease expires (or at once when it stops).
 */
export interface SchedulerOptions {
  store: Store;
  log: Logger;
  jobs: Job[];
  leaseDurationMs: number;
  tickMs: number;
  now?: () => number;
  id?: string;
  /** Hears every job run: its duration and whether it succeeded (metrics). */
  onJobRun?: (job: string, seconds: number, ok: boolean) => void;
}

export function runScheduler(o: SchedulerOptions): SchedulerHandle {
  const now = o.now ?? Date.now;
  const id = o.id ?? newWorkerId();
  const leases = new LeaseStore(o.store);
  const log = o.log.child({ component: 'scheduler', scheduler: id });
  const stopping = new AbortController();
  const lastRun = new Map<string, number>();
  const runs: Record<string, number> = {};
  let epoch: number | undefined;
  let renewedAt = 0;

  async function lead(): Promise<void> {
    // Local time only measures how fresh our own renewal is; expiry is judged by the database's clock.
    const t = now();
    if (epoch !== undefined) {
      if (await leases.renew(SCHEDULER_APP, LEADER, id, epoch, o.leaseDurationMs, null)) renewedAt = t;
      else {
        log.warn({ epoch }, 'lost scheduler leadership; standing by');
        epoch = undefined;
      }
      return;
    }
    await leases.addShards(SCHEDULER_APP, [{ shardId: LEADER, parentIds: [], hashStart: '', hashEnd: '' }]);
    const lease = await leases.getLease(SCHEDULER_APP, LEADER);
    if (!lease) return;
    // The claim itself refuses a lease that has not expired by the database's clock.
    const got = await leases.claim(SCHEDULER_APP, LEADER, id, lease.epoch, o.leaseDurationMs);
    if (got !== undefined) {
      epoch = got;
      renewedAt = t;
      log.info({ epoch }, 'scheduler is the leader');
    }
  }

  async function runDue(): Promise<void> {
    for (const job of o.jobs) {
      if (epoch === undefined || stopping.signal.aborted) return;
      // Leadership must be fresh: never act on a lease that may have expired meanwhile.
      if (now() - renewedAt > o.leaseDurationMs / 2) return;
      const t = now();
      if (t - (lastRun.get(job.name) ?? 0) < job.everyMs) continue;
      lastRun.set(job.name, t);
      const e = epoch;
      const started = performance.now();
      try {
        await job.run({ store: o.store, now: t, log: log.child({ job: job.name }), fenced: (work) => leases.withLease(SCHEDULER_APP, LEADER, id, e, work) });
        runs[job.name] = (runs[job.name] ?? 0) + 1;
        o.onJobRun?.(job.name, (performance.now() - started) / 1000, true);
      } catch (err) {
        o.onJobRun?.(job.name, (performance.now() - started) / 1000, false);
        if (err instanceof LeaseLostError) {
          epoch = undefined;
          log.warn('lost scheduler leadership during a job; its writes were rolled back');
          return;
        }
        log.error({ job: job.name, err: err instanceof Error ? err.message : String(err) }, 'job failed; it runs again next interval');
      }
    }
  }

  const done = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let waitMs = o.tickMs;
      try {
        await lead();
        await runDue();
        failures = 0;
      } catch (err) {
        // Backs off while the database is away, but never so long that a leader misses its renewals.
        failures++;
        waitMs = Math.max(o.tickMs, Math.min(o.leaseDurationMs / 4, backoffDelay(failures, policies.schedulerCycle)));
        log[isMarkedRetriable(err) ? 'warn' : 'error']({ err: err instanceof Error ? err.message : String(err), attempt: failures, waitMs }, 'scheduler cycle failed; retrying');
      }
      await pause(waitMs, stopping.signal);
    }
    if (epoch !== undefined) await leases.release(SCHEDULER_APP, LEADER, id, epoch).catch(() => undefined);
    epoch = undefined;
  })();

  return {
    id,
    isLeader: () => epoch !== undefined,
    runs,
    async stop() {
      stopping.abort();
      await done;
    },
    done,
  };
}
