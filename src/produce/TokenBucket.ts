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
    const have = this.available(now);
    if (have >= n) return 0;
    if (n > this.capacity) return Infinity;
    return Math.ceil(((n - have) * 1000) / this.ratePerSec);
  }
}
