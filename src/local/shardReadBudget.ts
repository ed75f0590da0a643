import { admitCall } from './admitCall.ts';
import { refillBytes } from './pushBudget.ts';

/** AWS's documented per-shard read limits (shared by every application reading the shard). */
export interface ReadLimits {
  callsPerSec: number;
  bytesPerSec: number;
}

export const AWS_READ_LIMITS: ReadLimits = { callsPerSec: 5, bytesPerSec: 2 * 1024 * 1024 };

/**
 * One shard's read allowance at time `at`: the times of the calls admitted in the last second
 * (at most `callsPerSec` in any 1000 ms window, the literal reading of "5 calls per second") and a byte
 * budget that refills to one second's worth and may go negative. The size of a GetRecords
 * response is unknown until it is read, so a call is admitted while the budget is positive and
 * its size is charged afterwards; a large response leaves a debt that throttles the calls of
 * the following seconds (AWS: a 10 MiB response throttles the next ~5 s).
 */
export interface ShardReadBudget {
  calls: readonly number[];
  bytes: number;
  at: number;
}

export type ReadVerdict = { admitted: true; budget: ShardReadBudget } | { admitted: false; reason: 'calls' | 'bytes'; budget: ShardReadBudget };

export function fullReadBudget(limits: ReadLimits, now: number): ShardReadBudget {
  return { calls: [], bytes: limits.bytesPerSec, at: now };
}

function refill(b: ShardReadBudget, limits: ReadLimits, now: number): ShardReadBudget {
  if (now <= b.at) return b;
  return {
    calls: b.calls,
    bytes: refillBytes(b.bytes, b.at, limits.bytesPerSec, now),
    at: now,
  };
}

/** Whether a GetRecords call on the shard may go ahead now; an admitted call is remembered for a second. */
export function admitRead(b: ShardReadBudget, limits: ReadLimits, now: number): ReadVerdict {
  const r = refill(b, limits, now);
  if (r.bytes <= 0) return { admitted: false, reason: 'bytes', budget: r };
  const c = admitCall(r.calls, limits.callsPerSec, now);
  return c.admitted ? { admitted: true, budget: { ...r, calls: c.recent } } : { admitted: false, reason: 'calls', budget: { ...r, calls: c.recent } };
}

/** Charges the bytes an admitted call returned; the budget may go below zero. */
export function chargeRead(b: ShardReadBudget, bytes: number, limits: ReadLimits, now: number): ShardReadBudget {
  const r = refill(b, limits, now);
  return { ...r, bytes: r.bytes - bytes };
}
