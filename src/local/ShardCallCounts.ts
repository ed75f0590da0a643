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
}
