/** One consumer's subscription state on one shard. */
export interface SubscriptionSlot {
  /** The last SubscribeToShard call that passed the 1/s rule (the proxy's clock, ms). */
  lastCallAt?: number;
  /** When the subscription that is still streaming started; undefined when none is. */
  activeSince?: number;
}

export interface SubscribeRules {
  /** AWS: one SubscribeToShard call per second per consumer per shard. */
  minCallGapMs: number;
  /** AWS: a second call within 5 s of a successful one is refused; later, it takes the subscription over. */
  takeoverAfterMs: number;
}

export const AWS_SUBSCRIBE_RULES: SubscribeRules = { minCallGapMs: 1000, takeoverAfterMs: 5000 };

export type SubscribeVerdict = 'subscribe' | 'takeover' | 'LimitExceededException' | 'ResourceInUseException';

/**
 * Whether a SubscribeToShard call for a consumer and shard may go ahead: refused with LimitExceededException
 * within a second of the previous call, with ResourceInUseException while a subscription started less than
 * `takeoverAfterMs` ago is still streaming; an older one is taken over (it ends with ResourceInUseException).
 * The slot that comes back remembers the call (unless refused by the 1/s rule) and the subscription it starts.
 */
export function admitSubscribe(slot: SubscriptionSlot, now: number, rules: SubscribeRules = AWS_SUBSCRIBE_RULES): { verdict: SubscribeVerdict; slot: SubscriptionSlot } {
  if (slot.lastCallAt !== undefined && now - slot.lastCallAt < rules.minCallGapMs) return { verdict: 'LimitExceededException', slot };
  const verdict = slot.activeSince === undefined ? 'subscribe' : now - slot.activeSince < rules.takeoverAfterMs ? 'ResourceInUseException' : 'takeover';
  return { verdict, slot: { lastCallAt: now, ...(verdict === 'ResourceInUseException' ? { activeSince: slot.activeSince } : { activeSince: now }) } };
}

/** AWS: a subscription streams for 5 minutes, then the client must call SubscribeToShard again. */
export function subscriptionExpired(startedAt: number, now: number, lifetimeMs: number): boolean {
  return now - startedAt >= lifetimeMs;
}
