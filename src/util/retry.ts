import { setTimeout as delay } from 'node:timers/promises';

export interface RetryOptions {
  /** Attempts after the first; Infinity retries until the signal aborts. */
  retries: number;
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of each delay that is randomised (0 = none, 1 = full jitter). */
  jitter: number;
  isRetriable: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  signal?: AbortSignal;
  random?: () => number;
}

export const retryDefaults: RetryOptions = {
  retries: 5,
  initialMs: 100,
  maxMs: 5_000,
  factor: 2,
  jitter: 0.5,
  isRetriable: (err) => (err as { retriable?: boolean })?.retriable !== false,
};

/** Delay before retry number `attempt` (1-based), jittered downwards, capped. */
export function backoffDelay(attempt: number, o: Pick<RetryOptions, 'initialMs' | 'maxMs' | 'factor' | 'jitter'>, random = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** (attempt - 1));
  return Math.round(base * (1 - o.jitter * random()));
}

/** The one retry helper: jittered exponential backoff with a cap. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const o: RetryOptions = { ...retryDefaults, ...options };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= o.retries || !o.isRetriable(err) || o.signal?.aborted) throw err;
      const waitMs = backoffDelay(attempt + 1, o, o.random);
      o.onRetry?.(err, attempt + 1, waitMs);
      await delay(waitMs, undefined, o.signal ? { signal: o.signal } : undefined).catch(() => {
        throw err;
      });
    }
  }
}
