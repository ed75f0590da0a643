import { setTimeout as delay } from 'node:timers/promises';
import type { ManualClock } from '../../src/coordinator/ManualClock.ts';

/**
 * A bounded poll of an outcome on a manual clock: advances it `stepMs` at a time (letting real
 * I/O-free work settle in between) until `cond` holds; throws naming `what` once `maxMs` of
 * clock time has passed without it.
 */
export async function driveUntil(what: string, clock: ManualClock, cond: () => boolean, o: { stepMs?: number; maxMs?: number } = {}): Promise<void> {
  const stepMs = o.stepMs ?? 50;
  const until = clock.now() + (o.maxMs ?? 60_000);
  while (!cond()) {
    if (clock.now() >= until) throw new Error(`${what}: not reached within ${o.maxMs ?? 60_000} ms of clock time`);
    await clock.advance(stepMs);
    // The shard reader paces with real timers; give them a moment.
    await delay(1);
  }
}
