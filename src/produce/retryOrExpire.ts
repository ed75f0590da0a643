import { backoffDelay } from '../util/retry.ts';

export interface RetryInput {
  now: number;
  /** Attempts made so far, the one that just failed included. */
  attempts: number;
  /** When the record's oldest event came in. */
  bornAt: number;
  recordTtlMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  random: () => number;
}

export type RetryDecision = { expire: true } | { expire: false; notBefore: number };

/**
 * What becomes of a record Kinesis did not take: once its oldest event is `recordTtlMs` old its
 * events expire (they go to the dead letters); before that it is retried after the producer's
 * backoff (jittered, doubling from retryInitialMs up to retryMaxMs).
 */
export function retryOrExpire(r: RetryInput): RetryDecision {
  if (r.now - r.bornAt >= r.recordTtlMs) return { expire: true };
  return { expire: false, notBefore: r.now + backoffDelay(r.attempts, { initialMs: r.retryInitialMs, maxMs: r.retryMaxMs, factor: 2, jitter: 0.5 }, r.random) };
}
