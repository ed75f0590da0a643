import { MAX_CALL_BYTES, MAX_CALL_RECORDS } from './CallBuilder.ts';

export interface UrgencyInput {
  now: number;
  /** Someone waits for everything buffered to be acknowledged. */
  flushing: boolean;
  /** Reading input has stopped at the buffer limits. */
  bufferFull: boolean;
  /** When the oldest event not yet put in a record came in (undefined: none waits). */
  unsentSince: number | undefined;
  lingerMs: number;
  /** Events and bytes waiting in the per-key queues. */
  queuedEvents: number;
  queuedBytes: number;
  aggregation: boolean;
}

/**
 * Whether new records go out now rather than lingering for more events: when someone waits for
 * them, when input is blocked on them, when the oldest has waited `lingerMs`, or when the backlog
 * already fills calls (20 calls' worth of events with aggregation, since many events share a record).
 */
export function isSendUrgent(u: UrgencyInput): boolean {
  return (
    u.flushing ||
    u.bufferFull ||
    (u.unsentSince !== undefined && u.now - u.unsentSince >= u.lingerMs) ||
    u.queuedEvents >= MAX_CALL_RECORDS * (u.aggregation ? 20 : 1) ||
    u.queuedBytes >= MAX_CALL_BYTES
  );
}
