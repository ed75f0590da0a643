export interface WakeInput {
  now: number;
  /** A PutRecords call slot is free (with none free, the next acknowledgement wakes the producer). */
  callSlotFree: boolean;
  /** The earliest time a queued retry may go (Infinity: none queued). */
  earliestRetryAt: number;
  queuedEvents: number;
  /** The current round found the send urgent (so it did not linger). */
  urgent: boolean;
  unsentSince: number | undefined;
  lingerMs: number;
  /** How long until a shard's tokens allow what it holds back (Infinity: nothing waits for tokens). */
  bucketWaitMs: number;
}

/**
 * When the producer must look again on its own (Infinity: only new input or an acknowledgement
 * wakes it): when a retry falls due, when lingering events reach `lingerMs`, or when tokens
 * refill. Never sooner than 1 ms ahead for anything that is not due yet, so it cannot spin.
 */
export function nextWakeAt(w: WakeInput): number {
  if (!w.callSlotFree) return Infinity;
  let at = Infinity;
  if (w.earliestRetryAt !== Infinity) at = Math.max(w.earliestRetryAt, w.now + 1);
  if (w.queuedEvents > 0 && !w.urgent && w.unsentSince !== undefined) at = Math.min(at, w.unsentSince + w.lingerMs);
  if (w.bucketWaitMs !== Infinity) at = Math.min(at, w.now + Math.max(1, w.bucketWaitMs));
  return at;
}
