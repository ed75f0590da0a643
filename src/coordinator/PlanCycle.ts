import type { Logger } from '../log/createLogger.ts';
import { isMarkedRetriable } from '../util/retry.ts';
import type { Clock } from './Clock.ts';
import type { ConsumerCounters } from './ConsumerCounters.ts';
import type { HeldLease, LeaseKeeper } from './LeaseKeeper.ts';
import { planLeases } from './leasePlanner.ts';
import type { LeaseRepository } from './LeaseRepository.ts';

export interface PlanCycleDeps<Tx> {
  app: string;
  workerId: string;
  leases: LeaseRepository<Tx>;
  keeper: LeaseKeeper<Tx>;
  clock: Clock;
  log: Logger;
  counters: Pick<ConsumerCounters, 'leasesTaken' | 'leasesStolen'>;
  leaseDurationMs: number;
  /** Aborted when the worker stops: no more leases are taken. */
  stopping: AbortSignal;
  /** A lease was taken or stolen: start working it. */
  onTaken(lease: HeldLease): void;
  /** The planner gives this lease up toward a balanced share: finish the batch, commit and release. */
  onHandOff(shardId: string): void;
}

/**
 * One planning cycle: read the lease table and the live workers by the repository's clock, notice
 * leases another worker took from this one, and carry out what `planLeases` decides — take free
 * or expired leases, steal toward a balanced share (one lease per victim), hand extra ones off.
 */
export class PlanCycle<Tx> {
  constructor(private readonly d: PlanCycleDeps<Tx>) {}

  async run(): Promise<void> {
    const { app, workerId: me, leases, keeper, log, counters, stopping } = this.d;
    // Expiry and liveness are judged by the repository's clock, never this host's.
    const t = await leases.now();
    const all = await leases.listLeases(app);
    const workers = (await leases.listWorkers(app)).filter((w) => w.heartbeatAt > t - this.d.leaseDurationMs).map((w) => w.workerId);
    for (const l of all) {
      const held = keeper.get(l.shardId);
      // A finished lease is being released (or was): a row without this worker is that release, not a loss.
      if (held && !held.gone && !held.finished && (l.owner !== me || l.epoch !== held.epoch) && l.state === 'active') keeper.markLost(held, `now owned by ${l.owner ?? 'nobody'} at epoch ${l.epoch}`);
    }
    // A row naming this worker that it no longer keeps (a lease it lost track of) counts as expired.
    const view = all.map((l) => (l.owner === me && !keeper.get(l.shardId) ? { ...l, expiresAt: 0 } : l));
    const plan = planLeases({ now: t, me, leases: view, liveWorkers: workers });
    for (const c of plan.take) {
      if (keeper.get(c.shardId) || stopping.aborted) continue;
      const got = await this.tryClaim(c.shardId, c.epoch);
      if (got !== undefined) {
        counters.leasesTaken++;
        log.info({ shardId: c.shardId, epoch: got.epoch }, 'lease taken');
        this.d.onTaken(keeper.hold(c.shardId, got.epoch, got.sentAt));
      }
    }
    for (const steal of plan.steals) {
      if (keeper.get(steal.shardId) || stopping.aborted) continue;
      const got = await this.tryClaim(steal.shardId, steal.epoch, steal.from);
      if (got !== undefined) {
        counters.leasesStolen++;
        log.info({ shardId: steal.shardId, epoch: got.epoch, from: steal.from }, 'lease stolen toward a balanced share');
        this.d.onTaken(keeper.hold(steal.shardId, got.epoch, got.sentAt));
      }
    }
    for (const c of plan.release) if (keeper.get(c.shardId)) this.d.onHandOff(c.shardId);
  }

  /** A claim that waited on a locked row (a stuck holder) or failed to reach the repository is retried next cycle. */
  private async tryClaim(shardId: string, epoch: number, from?: string): Promise<{ epoch: number; sentAt: number } | undefined> {
    const sentAt = this.d.clock.now();
    try {
      const got = await this.d.leases.claim(this.d.app, shardId, this.d.workerId, epoch, this.d.leaseDurationMs, from);
      return got === undefined ? undefined : { epoch: got, sentAt };
    } catch (err) {
      if (!isMarkedRetriable(err)) throw err;
      this.d.log.info({ shardId, err: (err as Error).message }, 'claim did not go through; trying again next cycle');
      return undefined;
    }
  }
}
