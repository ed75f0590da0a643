export interface FlushPolicy {
  maxBytes: number;
  maxRecords: number;
  maxAgeMs: number;
}

export interface BufferState {
  records: number;
  bytes: number;
  /** When the first buffered record was added (deps.now()). */
  openedAt: number;
}

export type FlushReason = 'size' | 'count' | 'age';

/** Why the buffer must be written now, or undefined: whichever limit is reached first. */
export function flushReason(b: BufferState, policy: FlushPolicy, now: number): FlushReason | undefined {
  if (b.records === 0) return undefined;
  if (b.bytes >= policy.maxBytes) return 'size';
  if (b.records >= policy.maxRecords) return 'count';
  if (now - b.openedAt >= policy.maxAgeMs) return 'age';
  return undefined;
}

/** How long until the age limit, for the timer that flushes an idle shard's buffer. */
export function msUntilAgeFlush(b: BufferState, policy: FlushPolicy, now: number): number | undefined {
  if (b.records === 0) return undefined;
  return Math.max(0, b.openedAt + policy.maxAgeMs - now);
}
