/** One consumer's enhanced fan-out byte allowance on one shard: refills at `bytesPerSec` up to one second's worth, may go negative. */
export interface PushBudget {
  bytes: number;
  at: number;
}

/** AWS: 2 MiB/s per consumer per shard, whatever other consumers and GetRecords readers take. */
export const AWS_PUSH_BYTES_PER_SEC = 2 * 1024 * 1024;

/** A byte budget refilled from `at` to `now`, capped at one second's worth. */
export function refillBytes(bytes: number, at: number, bytesPerSec: number, now: number): number {
  return now <= at ? bytes : Math.min(bytesPerSec, bytes + ((now - at) / 1000) * bytesPerSec);
}

export function fullPushBudget(bytesPerSec: number, now: number): PushBudget {
  return { bytes: bytesPerSec, at: now };
}

/**
 * How many of the next records (their sizes, in order) a subscription pushes now: as many as fit in the
 * budget, and at least one while it is positive (a record larger than the rest of the budget must still
 * get through; the debt then holds back the following pushes). None while the budget is spent.
 */
export function recordsToPush(b: PushBudget, sizes: readonly number[], bytesPerSec: number, now: number): { count: number; bytes: number; budget: PushBudget } {
  const avail = refillBytes(b.bytes, b.at, bytesPerSec, now);
  let count = 0;
  let bytes = 0;
  if (avail > 0) while (count < sizes.length && (count === 0 || bytes + sizes[count]! <= avail)) bytes += sizes[count++]!;
  return { count, bytes, budget: { bytes: avail - bytes, at: Math.max(now, b.at) } };
}
