import { setTimeout as delay } from 'node:timers/promises';

/** How a call is retried: jittered exponential backoff with a cap. */
export interface RetryPolicy {
  /** Attempts after the first; Infinity retries until the signal aborts. */
  retries: number;
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of each delay that is randomised (0 = none, 1 = full jitter). */
  jitter: number;
}

export interface RetryOptions extends RetryPolicy {
  isRetriable: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  /** Ends a backoff at once (the last error is thrown); required with `retries: Infinity`, explicitly undefined otherwise. */
  signal: AbortSignal | undefined;
  random?: () => number;
}

/**
 * Every retry setting of the program, by what is retried. Loops take one of these (tests pass
 * faster values explicitly) and an AbortSignal, so that stopping never waits out a backoff.
 * Which layer retries (ours or the SDK's) is decided per client: see `createKinesisClient`.
 */
export const policies = {
  /** GetShardIterator / GetRecords failed (network, 5xx): the reader retries while it works the shard. */
  kinesisRead: { retries: Infinity, initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 },
  /**
   * GetRecords refused for throttling (expected traffic). `paceRead` starts at twice the read
   * interval when that is longer than `initialMs`, and caps at `maxMs` or that, whichever is longer.
   */
  kinesisReadThrottled: { retries: Infinity, initialMs: 400, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** DescribeStreamSummary / ListShards while a worker starts: waited for until it stops. */
  kinesisControl: { retries: Infinity, initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** ListShards for a one-shot command (`audit --stream`): gives up after about a minute. */
  kinesisControlOnce: { retries: 8, initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** The producer's shard-map read and PutRecords records (bounds come from `producer.retryInitialMs` / `retryMaxMs`). */
  kinesisPut: { retries: Infinity, initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 },
  /** Re-sharding while the stream is UPDATING (the chaos run's Split/Merge). */
  kinesisReshard: { retries: 10, initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.5 },
  /** A DB read or idempotent write a worker needs before it starts (stream identity). */
  storeRead: { retries: Infinity, initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** A fenced commit (checkpoint + work) that failed retriably: tried again while the lease is held. */
  storeCommit: { retries: Infinity, initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 },
  /**
   * The same while the shard task stops (shutdown, hand-off): a few quick tries, then it gives up
   * and the next owner reads again from the checkpoint, so stopping never waits out an outage.
   */
  storeCommitStopping: { retries: 3, initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5 },
  /** A shard's processing failed: restarted from the checkpoint while the lease is held. */
  shardRestart: { retries: Infinity, initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.3 },
  /** Shard discovery failed: lease work goes on. Defaults of `coordinator.takeIntervalMs` / `shardSyncIntervalMs`, which replace them. */
  shardSync: { retries: Infinity, initialMs: 1_000, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** A scheduler cycle failed (the database is away): tried again, never later than a quarter of its lease. */
  schedulerCycle: { retries: Infinity, initialMs: 500, maxMs: 5_000, factor: 2, jitter: 0.5 },
  /** An archive object upload while the lease is held: until S3 answers or the shard is given up. */
  s3Upload: { retries: Infinity, initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** The last upload of a shard being shut down: a few tries, at most ~3 s of waiting. */
  s3UploadFinal: { retries: 4, initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 },
  /** `centos setup` against the database: a few tries, then a message naming it. */
  setupDb: { retries: 4, initialMs: 250, maxMs: 2_000, factor: 2, jitter: 0.5 },
} as const satisfies Record<string, RetryPolicy>;

/** Only an error that says so (`retriable === true`) is worth another try: a bug's TypeError is not. */
export const isMarkedRetriable = (err: unknown): boolean => (err as { retriable?: unknown } | null | undefined)?.retriable === true;

export const retryDefaults: RetryOptions = { ...policies.storeCommit, retries: 5, isRetriable: isMarkedRetriable, signal: undefined };

/** Delay before retry number `attempt` (1-based), jittered downwards, capped. */
export function backoffDelay(attempt: number, o: Pick<RetryPolicy, 'initialMs' | 'maxMs' | 'factor' | 'jitter'>, random = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** (attempt - 1));
  return Math.round(base * (1 - o.jitter * random()));
}

/** Waits `ms`, or less when the signal aborts; true when the whole wait passed. */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  return delay(ms, true, signal ? { signal } : undefined).catch(() => false);
}

/**
 * The one retry helper: `fn` again after a jittered, capped, exponential backoff while the error
 * is retriable, attempts remain and the signal has not aborted; otherwise the last error is thrown.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: Partial<RetryOptions> & Pick<RetryOptions, 'signal'>): Promise<T> {
  const o: RetryOptions = { ...retryDefaults, ...options };
  if (o.retries === Infinity && !o.signal) throw new TypeError('retry: a policy without an attempt limit needs an AbortSignal');
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= o.retries || o.signal?.aborted || !o.isRetriable(err)) throw err;
      const waitMs = backoffDelay(attempt + 1, o, o.random);
      o.onRetry?.(err, attempt + 1, waitMs);
      if (!(await pause(waitMs, o.signal))) throw err;
    }
  }
}
