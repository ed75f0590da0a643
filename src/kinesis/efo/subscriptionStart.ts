import type { Position } from '../position.ts';
import type { IteratorStart } from '../KinesisReadPort.ts';

export interface SubscriptionState {
  /** The last ContinuationSequenceNumber received: everything up to it has been delivered. */
  continuation: string | undefined;
  /** The last user record delivered (or the checkpoint, before anything was delivered). */
  position: Position | undefined;
  /** Where a shard without a checkpoint starts. */
  initial: IteratorStart;
}

/**
 * Where a (re)subscription starts. After an event it continues AFTER the last continuation
 * sequence number, so a subscription that AWS ended (every 5 minutes) or that failed resumes
 * without gap or repeat. From a checkpoint it starts as the polling reader does: AFTER the
 * checkpoint's record when that record was finished, AT it when the checkpoint is a sub-record
 * inside a KPL aggregate (the sub-records already done are dropped by de-aggregation).
 */
export function subscriptionStart(s: SubscriptionState): IteratorStart {
  if (s.continuation !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', seq: s.continuation };
  const p = s.position;
  if (!p) return s.initial;
  return p.last ? { type: 'AFTER_SEQUENCE_NUMBER', seq: p.seq } : { type: 'AT_SEQUENCE_NUMBER', seq: p.seq };
}
