import { describeCause, ServiceError } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import { isMarkedRetriable, policies, retry } from '../util/retry.ts';
import { classifyPutResult, type PutOutcome, type SentRecord } from './classifyPutResult.ts';
import type { KinesisWritePort, PutResultEntry } from '../kinesis/KinesisWritePort.ts';
import type { ProducerCounters } from './ProducerCounters.ts';
import { buildShardMap, type ShardMap } from '../kinesis/shardMap.ts';

export interface TrackerSettings {
  streamName: string;
  endpoint: string;
  shardMapRefreshMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface TrackerDeps {
  kinesis: KinesisWritePort;
  counters: ProducerCounters;
  log: Logger;
  now: () => number;
  /** Called with every map read, the first one included. */
  onMap: (map: ShardMap) => void;
}

/**
 * The producer's view of the stream's shards: read at start (in the background while Kinesis is
 * unreachable), re-read periodically and on demand, and consulted to judge where PutRecords put
 * each record — a record on a shard whose hash range excludes some of its user records (an
 * aggregate routed by a stale hash key after a split) has those user records sent again.
 */
export class ShardMapTracker {
  map: ShardMap | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastRefreshAt = -Infinity;
  private readonly stop = new AbortController();

  /** Shard-map reads retry as PutRecords does, within the producer's backoff bounds. */
  private get refreshPolicy() {
    return { ...policies.kinesisPut, initialMs: this.s.retryInitialMs, maxMs: this.s.retryMaxMs };
  }

  constructor(
    private readonly s: TrackerSettings,
    private readonly deps: TrackerDeps,
  ) {}

  /**
   * Reads the shard map. A refusal (no such stream, access denied) throws; an unreachable
   * Kinesis is retried in the background.
   */
  async start(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      if (!isMarkedRetriable(err)) throw new ServiceError('Kinesis', this.s.endpoint, err, false);
      this.deps.log.warn({ err: describeCause(err), endpoint: this.s.endpoint }, 'Kinesis unreachable; buffering input and retrying');
      void retry(() => this.refresh(), { ...this.refreshPolicy, signal: this.stop.signal }).catch((e: unknown) => {
        if (!this.stop.signal.aborted) this.deps.log.error({ err: describeCause(e), endpoint: this.s.endpoint }, 'Kinesis refused the shard map; nothing can be sent');
      });
    }
    this.refreshTimer = setInterval(() => void this.requestRefresh(true), this.s.shardMapRefreshMs);
    this.refreshTimer.unref();
  }

  close(): void {
    this.stop.abort();
    clearInterval(this.refreshTimer);
  }

  /** Re-reads the shard map now (at most once a second unless `periodic`). */
  requestRefresh(periodic = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (!periodic && this.deps.now() - this.lastRefreshAt < 1000) return Promise.resolve();
    return this.refresh().catch((err: unknown) => {
      this.deps.log.warn({ err: describeCause(err) }, 'shard map refresh failed; keeping the old map');
    });
  }

  /**
   * Splits a PutRecords response into acknowledged, misplaced and failed records. Records that
   * landed elsewhere than predicted are judged against the shards as they are now: the map is
   * re-read first (a few quick attempts; if it cannot be read the old one judges, and records on
   * a shard it does not know are then re-sent whole).
   */
  async judge(sent: readonly SentRecord[], results: readonly PutResultEntry[]): Promise<PutOutcome> {
    const o = classifyPutResult(sent, results, this.map!.byId);
    if (!o.staleMap && o.unknownShard.length === 0) return o;
    await retry(() => this.refresh(), { ...this.refreshPolicy, retries: 3, signal: this.stop.signal }).catch((err: unknown) => {
      this.deps.log.warn({ err: describeCause(err) }, 'shard map refresh failed; judging record placement against the old map');
    });
    const again = classifyPutResult(sent, results, this.map!.byId);
    this.deps.log.debug({ predicted: sent.map((r) => r.shardId), landed: results.map((r) => r.shardId ?? r.errorCode), misplaced: again.misplaced.length, unknown: again.unknownShard.length }, 'records landed on shards the map did not predict');
    return again;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const map = buildShardMap(await this.deps.kinesis.listShards(this.s.streamName));
        if (map.shards.length === 0) throw new ServiceError('Kinesis', this.s.endpoint, new Error(`stream ${this.s.streamName} has no open shards`));
        const first = this.map === undefined && this.deps.counters.shardMapRefreshes === 0;
        this.map = map;
        this.deps.onMap(map);
        if (!first) this.deps.log.debug({ shards: map.shards.map((s) => s.shardId) }, 'shard map refreshed');
        this.deps.counters.shardMapRefreshes++;
      } finally {
        this.lastRefreshAt = this.deps.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
