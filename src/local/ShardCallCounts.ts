export interface ShardSecond {
  /** `stream/shardId` */
  shard: string;
  /** Whole seconds of the proxy's clock. */
  second: number;
  admitted: number;
  throttled: number;
}

/**
 * GetRecords calls per shard per one-second window of the proxy's clock, admitted and throttled,
 * for the last `keepSeconds` seconds: what a benchmark or test reads to see whether readers stay
 * within 5 calls/s per shard.
 */
export class ShardCallCounts {
  private readonly rows = new Map<string, ShardSecond>();
  /** shard → times of every call (admitted or throttled) in the last `keepSeconds`, oldest first */
  private readonly times = new Map<string, number[]>();

  constructor(private readonly keepSeconds = 600) {}

  record(shard: string, now: number, admitted: boolean): void {
    const second = Math.floor(now / 1000);
    const k = `${shard}@${second}`;
    let row = this.rows.get(k);
    if (!row) {
      this.rows.set(k, (row = { shard, second, admitted: 0, throttled: 0 }));
      for (const [key, r] of this.rows) if (r.second <= second - this.keepSeconds) this.rows.delete(key);
    }
    if (admitted) row.admitted++;
    else row.throttled++;
    let t = this.times.get(shard);
    if (!t) this.times.set(shard, (t = []));
    t.push(now);
    let drop = 0;
    while (drop < t.length && t[drop]! <= now - this.keepSeconds * 1000) drop++;
    if (drop > 0) t.splice(0, drop);
  }

  /** Every shard-second seen, oldest first. */
  list(): ShardSecond[] {
    return [...this.rows.values()].sort((a, b) => a.second - b.second || a.shard.localeCompare(b.shard));
  }

  /** The most calls admitted on one shard in one window (0 when none). */
  maxAdmittedPerSecond(): number {
    let max = 0;
    for (const r of this.rows.values()) max = Math.max(max, r.admitted);
    return max;
  }

  /**
   * The most calls one shard got — admitted or throttled, i.e. what the readers asked for — in any
   * 1000 ms window, sliding (stricter than whole seconds of the clock).
   */
  maxCallsInAnySecond(): number {
    let max = 0;
    for (const t of this.times.values()) {
      for (let i = 0, j = 0; i < t.length; i++) {
        while (t[i]! - t[j]! >= 1000) j++;
        max = Math.max(max, i - j + 1);
      }
    }
    return max;
  }
}
