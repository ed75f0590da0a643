import type { Logger } from '../log/createLogger.ts';
import { backoffDelay, isMarkedRetriable, policies } from '../util/retry.ts';
import type { Clock } from './Clock.ts';
import type { ConsumerCounters } from './ConsumerCounters.ts';
import { observeSafely, type ConsumerObserver } from './ConsumerObserver.ts';
import type { LeaseKeeper, HeldLease } from './LeaseKeeper.ts';
import { CheckpointOrderError, LeaseLostError } from './LeaseLostError.ts';
import type { LeaseRepository } from './LeaseRepository.ts';
import { comparePosition, SHARD_END, type Position } from '../kinesis/position.ts';
import type { ShardStats } from './ShardStats.ts';

export interface FencedCheckpointerDeps<Tx> {
  app: string;
  workerId: string;
  leases: LeaseRepository<Tx>;
  keeper: LeaseKeeper<Tx>;
  lease: HeldLease;
  clock: Clock;
  /** Aborted when the shard task stops or hands off: a failing commit then gets only `policies.storeCommitStopping`. */
  stopping: AbortSignal;
  log: Logger;
  counters: Pick<ConsumerCounters, 'commits' | 'fencedCommits'>;
  stats: ShardStats;
  observer?: ConsumerObserver | undefined;
}

/**
 * The commit path of one attempt on one lease: every commit is fenced on the lease's epoch, never
 * moves the checkpoint backwards, and is retried with backoff while the repository fails in a way
 * that may pass. A retry whose earlier try did commit (the reply was lost) finds its checkpoint
 * already stored and does not run the work again. A fenced commit marks the lease lost.
 */
export class FencedCheckpointer<Tx> {
  private committed: Position | undefined;

  constructor(private readonly d: FencedCheckpointerDeps<Tx>) {}

  async commit<T>(upTo: Position, work?: (tx: Tx) => Promise<T>): Promise<T | undefined> {
    const { app, workerId, leases, keeper, lease, clock, counters, stats, observer } = this.d;
    const committed = this.committed;
    if (committed && comparePosition(upTo, committed) < 0) throw new CheckpointOrderError(`${lease.shardId}: checkpoint ${upTo.seq}/${upTo.sub} is behind ${committed.seq}/${committed.sub}`);
    let triesWhileStopping = 0;
    for (let attempt = 1; ; attempt++) {
      if (lease.gone || keeper.abandoned) throw new LeaseLostError(app, lease.shardId, lease.epoch);
      const t0 = performance.now();
      try {
        const r = await leases.fencedCommit(app, lease.shardId, workerId, lease.epoch, upTo, work, { signal: lease.lostSignal });
        this.committed = upTo;
        counters.commits++;
        stats.lastCommitAt = clock.now();
        observeSafely(() => observer?.commit?.(lease.shardId, (performance.now() - t0) / 1000, 'ok'));
        return r;
      } catch (err) {
        observeSafely(() => observer?.commit?.(lease.shardId, (performance.now() - t0) / 1000, err instanceof LeaseLostError ? 'fenced' : 'failed'));
        if (err instanceof LeaseLostError) {
          counters.fencedCommits++;
          keeper.markLost(lease, 'commit fenced off');
          throw err;
        }
        if (!isMarkedRetriable(err)) throw err;
        const stopping = this.d.stopping.aborted;
        if (stopping && ++triesWhileStopping > policies.storeCommitStopping.retries) throw err;
        const wait = stopping ? backoffDelay(triesWhileStopping, policies.storeCommitStopping) : backoffDelay(attempt, policies.storeCommit);
        this.d.log.warn({ err: (err as Error).message, attempt, waitMs: wait, stopping }, 'commit failed, retrying');
        // A stop or hand-off ends the wait at once (then the few tries above); so does losing the lease.
        await clock.sleep(wait, stopping ? lease.goneSignal : AbortSignal.any([this.d.stopping, lease.goneSignal]));
      }
    }
  }

  /** The shard is fully read and processed: mark it ended, which frees its lease row for good. */
  async end(): Promise<void> {
    const { app, workerId, leases, lease } = this.d;
    await leases.fencedCommit(app, lease.shardId, workerId, lease.epoch, SHARD_END, undefined, { signal: lease.lostSignal });
  }
}
