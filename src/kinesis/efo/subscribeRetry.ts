import { backoffDelay } from '../../util/retry.ts';

/** AWS allows one SubscribeToShard call per second per consumer and shard. */
export const SUBSCRIBE_SPACING_MS = 1_000;

export type SubscribeRetry =
  | { retry: true; waitMs: number; reason: 'in-use' | 'limit' | 'transient' }
  | { retry: false };

const POLICIES = {
  // Another subscription of this consumer holds the shard (a zombie worker, or our own previous
  // one not yet released), or the consumer is not ACTIVE yet: wait for it to end.
  'in-use': { initialMs: 1_000, maxMs: 10_000, factor: 2, jitter: 0.3 },
  // Over the once-per-second subscribe limit: a little past a second, then longer.
  limit: { initialMs: 1_100, maxMs: 5_000, factor: 2, jitter: 0.3 },
  transient: { initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.5 },
} as const;

/**
 * What to do after a subscription failed to start or ended with an error. `attempt` counts
 * failures since the last event received (1-based).
 */
export function subscribeRetry(errorName: string | undefined, transient: boolean, attempt: number, random: () => number = Math.random): SubscribeRetry {
  const reason = errorName === 'ResourceInUseException' ? 'in-use' : errorName === 'LimitExceededException' ? 'limit' : transient || errorName === 'InternalFailureException' ? 'transient' : undefined;
  if (reason === undefined) return { retry: false };
  return { retry: true, waitMs: backoffDelay(attempt, POLICIES[reason], random), reason };
}

/** How long to wait before the next SubscribeToShard on a shard so calls stay ≥ 1 s apart. */
export function subscribeSpacing(lastSubscribeAt: number | undefined, now: number): number {
  return lastSubscribeAt === undefined ? 0 : Math.max(0, lastSubscribeAt + SUBSCRIBE_SPACING_MS - now);
}
