import type { KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import { backoffDelay, isMarkedRetriable, policies } from '../util/retry.ts';
import type { Clock } from './Clock.ts';
import type { ConsumerCounters } from './ConsumerCounters.ts';
import type { LeaseRepository } from './LeaseRepository.ts';

export interface ShardDiscoveryDeps<Tx> {
  app: string;
  kinesis: Pick<KinesisReadPort, 'listShards'>;
  leases: LeaseRepository<Tx>;
  clock: Clock;
  log: Logger;
  counters: Pick<ConsumerCounters, 'shardSyncFailures'>;
  takeIntervalMs: number;
  shardSyncIntervalMs: number;
}

/**
 * Shard discovery on its own clock: new shards get lease rows. A failing ListShards (throttled,
 * no permission) backs off with jitter and is retried, while renewal, taking, hand-off and
 * balancing go on from the lease table.
 */
export class ShardDiscovery<Tx> {
  private requested = true;

  constructor(private readonly d: ShardDiscoveryDeps<Tx>) {}

  /** Sync at the next check instead of the next interval (a shard ended: its children may be new). */
  request(): void {
    this.requested = true;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock, log, counters, takeIntervalMs, shardSyncIntervalMs } = this.d;
    let lastSync = -Infinity;
    let retryAt = -Infinity;
    let failures = 0;
    while (!signal.aborted) {
      const t = clock.now();
      if ((this.requested || t - lastSync >= shardSyncIntervalMs) && t >= retryAt) {
        this.requested = false;
        lastSync = t;
        try {
          await this.sync();
          failures = 0;
        } catch (err) {
          failures++;
          counters.shardSyncFailures++;
          this.requested = true;
          const wait = backoffDelay(failures, { ...policies.shardSync, initialMs: takeIntervalMs, maxMs: Math.max(takeIntervalMs, shardSyncIntervalMs) });
          retryAt = clock.now() + wait;
          // Lease work goes on from the lease table either way; an error that will not pass by itself (access denied) is loud.
          const level = !isMarkedRetriable(err) ? 'error' : failures >= 3 ? 'warn' : 'info';
          const { awsCode, throttled } = err as { awsCode?: string; throttled?: boolean };
          log[level]({ err: err instanceof Error ? err.message : String(err), awsCode, throttled, attempt: failures, waitMs: wait }, 'listing shards failed; lease work goes on, retrying');
        }
      }
      await clock.sleep(takeIntervalMs, signal);
    }
  }

  private async sync(): Promise<void> {
    const shards = await this.d.kinesis.listShards();
    const added = await this.d.leases.addShards(this.d.app, shards);
    if (added > 0) this.d.log.info({ added, shards: shards.length }, 'new shards found');
  }
}
