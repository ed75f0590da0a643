import { createReadCounters, type ReadCounters } from '../kinesis/ShardReader.ts';

/** What one worker saw of one shard while it held the lease (read at scrape time by /metrics). */
export interface ShardStats extends ReadCounters {
  shardId: string;
  /** User records handed to the processor. */
  records: number;
  millisBehindLatest: number | null;
  /** When this worker's last successful commit on the shard was, or when it took the lease. */
  lastCommitAt: number;
}

export function createShardStats(shardId: string, now: number): ShardStats {
  return { shardId, records: 0, millisBehindLatest: null, lastCommitAt: now, ...createReadCounters() };
}

/**
 * Counters that add to two places at once: the worker's totals and one shard's. A reader updates
 * `c.x += n`; the setter moves the total by the same step.
 */
export function teeReadCounters(total: ReadCounters, shard: ReadCounters): ReadCounters {
  const tee = {} as ReadCounters;
  for (const k of Object.keys(createReadCounters()) as Array<keyof ReadCounters>) {
    Object.defineProperty(tee, k, {
      enumerable: true,
      get: () => shard[k],
      set: (v: number) => {
        total[k] += v - shard[k];
        shard[k] = v;
      },
    });
  }
  return tee;
}
