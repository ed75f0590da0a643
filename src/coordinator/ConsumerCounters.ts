import { createReadCounters, type ReadCounters } from '../kinesis/ShardReader.ts';

/** What one worker did since it started (read by tests, logs and /metrics). */
export interface ConsumerCounters extends ReadCounters {
  records: number;
  batches: number;
  commits: number;
  leasesTaken: number;
  leasesStolen: number;
  leasesReleased: number;
  leasesLost: number;
  shardsEnded: number;
  processorErrors: number;
  stuckBatches: number;
  /** ListShards calls that failed (retried with backoff; lease work goes on from the lease table). */
  shardSyncFailures: number;
  /** Commits refused because another worker holds the lease now (nothing was written). */
  fencedCommits: number;
}

export function createConsumerCounters(): ConsumerCounters {
  return {
    records: 0,
    batches: 0,
    commits: 0,
    leasesTaken: 0,
    leasesStolen: 0,
    leasesReleased: 0,
    leasesLost: 0,
    shardsEnded: 0,
    processorErrors: 0,
    stuckBatches: 0,
    shardSyncFailures: 0,
    fencedCommits: 0,
    ...createReadCounters(),
  };
}
