import { setTimeout as delay } from 'node:timers/promises';

/** Time as the coordinator runtime sees it: read, wait and set timers. A test or simulation drives a ManualClock instead. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (never rejecting) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  schedule(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined).catch(() => undefined),
  schedule(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
