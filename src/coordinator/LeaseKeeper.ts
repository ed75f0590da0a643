import type { Logger } from '../log/createLogger.ts';
import type { Clock } from './Clock.ts';
import type { ConsumerCounters } from './ConsumerCounters.ts';
import type { LeaseRepository } from './LeaseRepository.ts';
import { runEvery } from './runEvery.ts';

/** A lease this worker holds, from the claim until it is given back, lost or ended. */
export class HeldLease {
  /** When this worker's own timer counts the lease expired unless a renewal moves it. */
  expiresAt = 0;
  millisBehind: number | null = null;
  /** Processing is over; the lease is being given back (renewal must not mistake that for a loss). */
  finished = false;
  private readonly goneCtl = new AbortController();
  private readonly lostCtl = new AbortController();
  cancelExpiry: () => void = () => undefined;

  constructor(
    readonly shardId: string,
    readonly epoch: number,
  ) {}

  /** Lost, ended or abandoned: this worker must not act on the lease any more. */
  get gone(): boolean {
    return this.goneCtl.signal.aborted;
  }

  /** Aborted once the lease is gone: processing stops. */
  get goneSignal(): AbortSignal {
    return this.goneCtl.signal;
  }

  /** Aborted only when the lease is lost: a commit still waiting on the repository is abandoned, its connection destroyed. */
  get lostSignal(): AbortSignal {
    return this.lostCtl.signal;
  }

  /** @internal the keeper's: `lost` also abandons pending commits. */
  settle(lost: boolean): void {
    this.cancelExpiry();
    this.goneCtl.abort();
    if (lost) this.lostCtl.abort();
  }
}

export interface LeaseKeeperDeps<Tx> {
  app: string;
  workerId: string;
  leases: LeaseRepository<Tx>;
  clock: Clock;
  log: Logger;
  counters: Pick<ConsumerCounters, 'leasesLost' | 'leasesReleased'>;
  leaseDurationMs: number;
  renewIntervalMs: number;
  /** Stored with the heartbeat (host and pid), for `centos status`. */
  info: string;
}

/**
 * Keeps this worker's leases: heartbeats, renews each lease on its own, and times each lease out
 * by this worker's clock, measured from when the claim or renewal was sent (so it ends no later
 * than the repository's expiry). Past it, the lease counts as lost even while a renewal still
 * waits for a reply. Runs apart from record processing: a slow batch does not lose the lease.
 */
export class LeaseKeeper<Tx> {
  private readonly held = new Map<string, HeldLease>();
  private crashed = false;
  private readonly log: Logger;

  constructor(private readonly d: LeaseKeeperDeps<Tx>) {
    this.log = d.log;
  }

  /** True after `abandon()`: the worker acts as if it crashed. */
  get abandoned(): boolean {
    return this.crashed;
  }

  /** Starts keeping a lease just claimed at `epoch`; `sentAt` is when the claim was sent. */
  hold(shardId: string, epoch: number, sentAt: number): HeldLease {
    const lease = new HeldLease(shardId, epoch);
    this.held.set(shardId, lease);
    this.armExpiry(lease, sentAt);
    return lease;
  }

  get(shardId: string): HeldLease | undefined {
    return this.held.get(shardId);
  }

  all(): HeldLease[] {
    return [...this.held.values()];
  }

  markLost(lease: HeldLease, why: string): void {
    if (lease.gone) return;
    this.d.counters.leasesLost++;
    this.log.warn({ shardId: lease.shardId, epoch: lease.epoch, why }, 'lease lost; dropping shard');
    lease.settle(true);
  }

  /** The shard ended: the end commit freed the lease row, so there is nothing to release. */
  ended(lease: HeldLease): void {
    lease.settle(false);
  }

  /** Processing is over: release the lease unless it is gone, then forget it. */
  async giveBack(lease: HeldLease): Promise<void> {
    lease.finished = true;
    lease.cancelExpiry();
    if (!lease.gone && !this.crashed) {
      if (await this.d.leases.release(this.d.app, lease.shardId, this.d.workerId, lease.epoch).catch(() => false)) this.d.counters.leasesReleased++;
    }
    if (this.held.get(lease.shardId) === lease) this.held.delete(lease.shardId);
  }

  /** One heartbeat and one renewal of every lease still worked. */
  async renewCycle(): Promise<void> {
    const { app, workerId, leases, clock } = this.d;
    try {
      await leases.heartbeat(app, workerId, this.d.info);
    } catch (err) {
      this.log.warn({ err: String(err) }, 'heartbeat failed');
    }
    // Each lease renews on its own: one slow renewal (a row locked by a long commit) does not hold up the rest.
    await Promise.all(
      this.all()
        .filter((lease) => !lease.gone && !lease.finished)
        .map(async (lease) => {
          const sentAt = clock.now();
          try {
            const renewed = await leases.renew(app, lease.shardId, workerId, lease.epoch, this.d.leaseDurationMs, lease.millisBehind);
            if (lease.gone || lease.finished) return;
            if (renewed) this.armExpiry(lease, sentAt);
            else this.markLost(lease, 'renewal refused');
          } catch (err) {
            this.log.warn({ shardId: lease.shardId, err: String(err) }, 'lease renewal failed');
            if (clock.now() > lease.expiresAt) this.markLost(lease, 'could not renew before expiry');
          }
        }),
    );
  }

  /** Renews every `renewIntervalMs` until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runEvery({ everyMs: this.d.renewIntervalMs, signal, name: 'lease renewal', clock: this.d.clock, log: this.log }, () => this.renewCycle());
  }

  /** Like a crash: every lease is dropped where it stands, nothing is released or counted. */
  abandon(): void {
    this.crashed = true;
    for (const lease of this.held.values()) lease.settle(false);
  }

  /** The worker stops: its heartbeat row goes, so others stop counting it (a crashed worker's row ages out instead). */
  async leave(): Promise<void> {
    if (!this.crashed) await this.d.leases.removeWorker(this.d.app, this.d.workerId).catch(() => undefined);
  }

  private armExpiry(lease: HeldLease, sentAt: number): void {
    lease.expiresAt = sentAt + this.d.leaseDurationMs;
    lease.cancelExpiry();
    lease.cancelExpiry = this.d.clock.schedule(Math.max(0, lease.expiresAt - this.d.clock.now()), () => {
      if (!lease.gone && !lease.finished) this.markLost(lease, 'no successful renewal before the lease expired');
    });
  }
}
