import { backoffDelay, policies } from '../util/retry.ts';

/** AWS's read limits of one shard, shared by every application reading it. */
export const SHARD_READ_CALLS_PER_SEC = 5;
export const SHARD_READ_BYTES_PER_SEC = 2 * 1024 * 1024;
/** No reader calls GetRecords on a shard more often than this, whatever the config says. */
export const MIN_READ_INTERVAL_MS = 200;

export interface ReadPacing {
  /** Configured least time between two GetRecords calls on a shard. */
  intervalMs: number;
  /** This application's share (0–1] of the shard's read limits; the applications on a stream sum to at most 1. */
  share: number;
  /** The shard's limits (AWS: 5 calls/s, 2 MiB/s). */
  shardCallsPerSec: number;
  shardBytesPerSec: number;
  /** Upper bound of one response, for memory. */
  maxBytesPerFetch: number;
  /** Waits at the tip of the stream: the first, doubling up to the longest. */
  idleMs: number;
  idleMaxMs: number;
}

export interface LastRead {
  /**
   * This application's byte budget on the shard right after the last response: what had accrued
   * at `share × shardBytesPerSec` (at most `capBytes`) when the call was made, minus what it
   * returned. Negative: overdrawn by a large response.
   */
  budgetBytes: number;
  /** Whether that response held records. */
  records: boolean;
  millisBehindLatest: number | undefined;
  /** Consecutive empty responses at the tip (MillisBehindLatest 0). */
  idleStreak: number;
  /** Consecutive calls refused with ProvisionedThroughputExceededException. */
  throttledStreak: number;
}

export interface PaceDecision {
  /** How long after the start of the last call the next one may start. */
  waitMs: number;
  /** What set the wait. */
  why: 'interval' | 'bytes' | 'idle' | 'throttled';
  /** The least budget a call waits for: one interval's worth of this application's share. */
  targetBytes: number;
  /** The budget accrues at this many bytes per ms… */
  bytesPerMs: number;
  /** …up to this (one second of the share): a late call may ask for what accrued meanwhile, no more. */
  capBytes: number;
}

/**
 * When to call GetRecords next on a shard, and how much to ask for, so that this application
 * stays within its share of the shard's limits: at most `share × shardCallsPerSec` (rounded
 * down, at least 1) calls a second (never more often than `intervalMs`, never under 200 ms) and
 * `share × shardBytesPerSec` bytes: a budget accrues at that rate, each response spends it, and
 * the next call waits until one interval's worth is there. Behind the tip it reads at that pace even when a response
 * is empty; at the tip it waits longer, doubling; a throttled call backs off, jittered.
 */
export function paceRead(p: ReadPacing, last: LastRead, random: () => number = Math.random): PaceDecision {
  const share = Math.min(1, Math.max(p.share, 0.01));
  // Whole calls per second, so that the applications' calls never add up past the limit in any one second.
  const callsPerSec = Math.max(1, Math.floor(p.shardCallsPerSec * share + 1e-9));
  // 5% to spare: the service counts calls as they arrive, and network jitter can bring two closer.
  const intervalMs = Math.max(MIN_READ_INTERVAL_MS, p.intervalMs, Math.ceil(1050 / callsPerSec));
  const bytesPerSec = p.shardBytesPerSec * share;
  const targetBytes = Math.max(1, Math.min(p.maxBytesPerFetch, Math.floor((bytesPerSec * intervalMs) / 1000)));
  const bytesPerMs = bytesPerSec / 1000;
  const capBytes = Math.max(targetBytes, Math.floor(bytesPerSec));
  if (last.throttledStreak > 0) {
    const throttled = policies.kinesisReadThrottled;
    const initialMs = Math.max(throttled.initialMs, intervalMs * 2);
    const waitMs = Math.max(intervalMs, backoffDelay(last.throttledStreak, { ...throttled, initialMs, maxMs: Math.max(initialMs, throttled.maxMs) }, random));
    return { waitMs, why: 'throttled', targetBytes, bytesPerMs, capBytes };
  }
  const bytesMs = Math.ceil((targetBytes - last.budgetBytes) / bytesPerMs);
  if (bytesMs > intervalMs) return { waitMs: bytesMs, why: 'bytes', targetBytes, bytesPerMs, capBytes };
  const atTip = !last.records && (last.millisBehindLatest ?? 0) === 0 && last.idleStreak > 0;
  if (atTip) {
    const idle = Math.min(p.idleMaxMs, p.idleMs * 2 ** (last.idleStreak - 1));
    if (idle > intervalMs) return { waitMs: idle, why: 'idle', targetBytes, bytesPerMs, capBytes };
  }
  return { waitMs: intervalMs, why: 'interval', targetBytes, bytesPerMs, capBytes };
}
