import type { Clock } from '../../src/coordinator/Clock.ts';
import { createConsumerCounters } from '../../src/coordinator/ConsumerCounters.ts';
import { LeaseKeeper } from '../../src/coordinator/LeaseKeeper.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import { PlanCycle } from '../../src/coordinator/PlanCycle.ts';
import { runEvery } from '../../src/coordinator/runEvery.ts';
import { silentLog } from './consumerHarness.ts';

export interface LeaseTimings {
  leaseDurationMs: number;
  renewIntervalMs: number;
  takeIntervalMs: number;
}

/**
 * The real lease keeper and plan cycle of one worker, wired as runConsumer wires them, with no
 * reader or processor: a taken lease is simply held, a hand-off gives it back at once.
 */
export function leaseOnlyWorker<Tx>(o: { app: string; workerId: string; leases: LeaseRepository<Tx>; clock: Clock; timings: LeaseTimings }) {
  const { app, workerId, leases, clock, timings } = o;
  const counters = createConsumerCounters();
  const planning = new AbortController();
  const renewing = new AbortController();
  const log = silentLog;
  const keeper = new LeaseKeeper({ app, workerId, leases, clock, log, counters, leaseDurationMs: timings.leaseDurationMs, renewIntervalMs: timings.renewIntervalMs, info: workerId });
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
    onTaken: () => undefined,
    onHandOff: (shardId) => {
      const lease = keeper.get(shardId);
      if (lease) void keeper.giveBack(lease);
    },
  });
  const done = (async () => {
    await keeper.renewCycle();
    const planLoop = runEvery({ everyMs: timings.takeIntervalMs, signal: planning.signal, name: 'lease planning', clock, log }, () => plan.run());
    const renewLoop = keeper.run(renewing.signal);
    await planLoop;
    await Promise.all(keeper.all().map((l) => keeper.giveBack(l)));
    renewing.abort();
    await renewLoop;
    await keeper.leave();
  })();
  return {
    workerId,
    counters,
    keeper,
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
