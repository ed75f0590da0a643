import type { Clock } from '../../src/coordinator/Clock.ts';
import { createConsumerCounters } from '../../src/coordinator/ConsumerCounters.ts';
import { LeaseKeeper, type HeldLease } from '../../src/coordinator/LeaseKeeper.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import type { ShardInfo } from '../../src/kinesis/KinesisReadPort.ts';
import { PlanCycle } from '../../src/coordinator/PlanCycle.ts';
import { ShardDiscovery } from '../../src/coordinator/ShardDiscovery.ts';
import { runEvery } from '../../src/coordinator/runEvery.ts';
import { silentLog } from './consumerHarness.ts';

export interface LeaseTimings {
  leaseDurationMs: number;
  renewIntervalMs: number;
  takeIntervalMs: number;
  /** With `listShards`: how often shard discovery lists the stream (default 10 s, the config default). */
  shardSyncIntervalMs?: number;
}

export interface LeaseOnlyWorkerInput<Tx> {
  app: string;
  workerId: string;
  leases: LeaseRepository<Tx>;
  clock: Clock;
  timings: LeaseTimings;
  /** The stream's shards: when given, the real ShardDiscovery runs too, adding lease rows for new ones. */
  listShards?: () => Promise<ShardInfo[]>;
  /** A lease was taken or stolen (after the keeper holds it). */
  onTaken?: (lease: HeldLease) => void;
}

/**
 * The real lease keeper and plan cycle of one worker (and shard discovery, given the stream's
 * shards), wired as runConsumer wires them, with no reader or processor: a taken lease is simply
 * held, a hand-off gives it back at once.
 */
export function leaseOnlyWorker<Tx>(o: LeaseOnlyWorkerInput<Tx>) {
  const { app, workerId, leases, clock, timings } = o;
  const counters = createConsumerCounters();
  const planning = new AbortController();
  const renewing = new AbortController();
  const log = silentLog;
  const keeper = new LeaseKeeper({ app, workerId, leases, clock, log, counters, leaseDurationMs: timings.leaseDurationMs, renewIntervalMs: timings.renewIntervalMs, info: workerId });
  const discovery = o.listShards
    ? new ShardDiscovery({
        app,
        kinesis: { listShards: o.listShards },
        leases,
        clock,
        log,
        counters,
        takeIntervalMs: timings.takeIntervalMs,
        shardSyncIntervalMs: timings.shardSyncIntervalMs ?? 10_000,
      })
    : undefined;
  const plan = new PlanCycle({
    app,
    workerId,
    leases,
    keeper,
    clock,
    log,
    counters,
    leaseDurationMs: timings.leaseDurationMs,
    stopping: planning.signal,
    onTaken: (lease) => {
      // As a shard worker does when its lease is lost or ended: forget it, so the shard can be taken again.
      lease.goneSignal.addEventListener('abort', () => void keeper.giveBack(lease), { once: true });
      o.onTaken?.(lease);
    },
    onHandOff: (shardId) => {
      const lease = keeper.get(shardId);
      if (lease) void keeper.giveBack(lease);
    },
  });
  const done = (async () => {
    await keeper.renewCycle();
    const discovering = discovery?.run(planning.signal);
    const planLoop = runEvery({ everyMs: timings.takeIntervalMs, signal: planning.signal, name: 'lease planning', clock, log }, () => plan.run());
    const renewLoop = keeper.run(renewing.signal);
    await planLoop;
    await discovering;
    await Promise.all(keeper.all().map((l) => keeper.giveBack(l)));
    renewing.abort();
    await renewLoop;
    await keeper.leave();
  })();
  return {
    workerId,
    counters,
    keeper,
    /** Ask discovery to list shards at its next check (a shard ended: its children may be new). */
    requestDiscovery: () => discovery?.request(),
    /** Leases held and not lost. */
    shards: () =>
      keeper
        .all()
        .filter((l) => !l.gone && !l.finished)
        .map((l) => l.shardId),
    async stop() {
      planning.abort();
      await done;
    },
    /** A crash: nothing released, nothing renewed any more. */
    crash() {
      keeper.abandon();
      planning.abort();
      renewing.abort();
    },
  };
}

export type LeaseOnlyWorker = ReturnType<typeof leaseOnlyWorker>;
