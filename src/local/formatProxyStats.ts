import type { LimitProxy } from './startLimitProxy.ts';

/** One line on what the faithful proxy saw: reads, throttling, expiry, on-demand reshards and, when used, enhanced fan-out. */
export function formatProxyStats(p: Pick<LimitProxy, 'stats' | 'maxReadCallsPerShardSecond'>): string {
  const s = p.stats;
  return (
    `GetRecords ${s.getRecords} (throttled ${s.getRecordsThrottledCalls} over 5 calls/s, ${s.getRecordsThrottledBytes} over 2 MiB/s; ` +
    `max ${p.maxReadCallsPerShardSecond()} calls/s on one shard) · ${(s.bytesRead / 1e6).toFixed(1)} MB read · ` +
    `GetShardIterator throttled ${s.getShardIteratorThrottled} · PutRecords records throttled ${s.throttledRecords} · ` +
    `quota refusals ${s.controlPlaneLimited} · expired iterators ${s.expiredIterators} · calls on expired shards ${s.expiredShardCalls} · ` +
    `on-demand ${s.onDemandSplits} split(s), ${s.onDemandMerges} merge(s)` +
    (s.subscriptions > 0
      ? ` · enhanced fan-out: ${s.subscriptions} subscription(s), ${s.efoRecords} records (${(s.efoBytes / 1e6).toFixed(1)} MB) pushed, ` +
        `${s.subscribeLimited} over 1 subscribe/s, ${s.subscribeInUse} in use, ${s.efoBudgetWaits} waits on 2 MiB/s`
      : '')
  );
}
