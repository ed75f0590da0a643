import { backoffDelay, policies } from '../util/retry.ts';

export interface RetryInput {
  now: number;
  /** Attempts made so far, the one that just failed included. */
  attempts: number;
  /** When the record's oldest event came in. */
  bornAt: number;
  recordTtlMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** False when the failure says another try cannot succeed (access denied, a bug): the record expires at once. */
  retriable?: boolean;
  random: () => number;
}

export type RetryDecision = { expire: true; why: 'ttl' | 'not retriable' } | { expire: false; notBefore: number };

/**
 * What becomes of a record Kinesis did not take: once its oldest event is `recordTtlMs` old its
 * events expire (they go to the dead letters); before that it is retried after the producer's
 * backoff (`policies.kinesisPut` with the producer's bounds). A failure that is not retriable
 * expires it at once.
 */
export function retryOrExpire(r: RetryInput): RetryDecision {
  if (r.retriable === false) return { expire: true, why: 'not retriable' };
  if (r.now - r.bornAt >= r.recordTtlMs) return { expire: true, why: 'ttl' };
  return { expire: false, notBefore: r.now + backoffDelay(r.attempts, { ...policies.kinesisPut, initialMs: r.retryInitialMs, maxMs: r.retryMaxMs }, r.random) };
}
