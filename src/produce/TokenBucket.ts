/**
 * Token-bucket arithmetic with time passed in: `ratePerSec` tokens accrue continuously up to
 * `capacity`. No debt: a take that does not fit is refused, so the long-run rate and any
 * one-second window stay within the limit.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly ratePerSec: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  available(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) * this.ratePerSec) / 1000);
      this.at = now;
    }
    return this.tokens;
  }

  /** Takes `n` tokens if they are there; false (and nothing taken) otherwise. */
  tryTake(n: number, now: number): boolean {
    if (this.available(now) < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` tokens are available (0 if now; Infinity if n exceeds the capacity). */
  msUntil(n: number, now: number): number {
    return tokenWaitMs(this.view(now), n);
  }

  /** The bucket's state at `now`, for the pure send policies. */
  view(now: number): BucketView {
    return { available: this.available(now), capacity: this.capacity, ratePerSec: this.ratePerSec };
  }
}

/** A token bucket's state at one moment. */
export interface BucketView {
  available: number;
  capacity: number;
  ratePerSec: number;
}

/** Milliseconds until a bucket in state `b` holds `n` tokens (0 if it does; Infinity if n exceeds its capacity). */
export function tokenWaitMs(b: BucketView, n: number): number {
  if (b.available >= n) return 0;
  if (n > b.capacity) return Infinity;
  return Math.ceil(((n - b.available) * 1000) / b.ratePerSec);
}
