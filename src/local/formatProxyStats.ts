import type { LimitProxy } from './startLimitProxy.ts';

/** One line on what the faithful proxy saw: reads, throttling, expiry and on-demand reshards. */
export function formatProxyStats(p: Pick<LimitProxy, 'stats' | 'maxReadCallsPerShardSecond'>): string {
  const s = p.stats;
  return (
    `GetRecords ${s.getRecords} (throttled ${s.getRecordsThrottledCalls} over 5 calls/s, ${s.getRecordsThrottledBytes} over 2 MiB/s; ` +
    `max ${p.maxReadCallsPerShardSecond()} calls/s on one shard) · ${(s.bytesRead / 1e6).toFixed(1)} MB read · ` +
    `GetShardIterator throttled ${s.getShardIteratorThrottled} · PutRecords records throttled ${s.throttledRecords} · ` +
    `quota refusals ${s.controlPlaneLimited} · expired iterators ${s.expiredIterators} · calls on expired shards ${s.expiredShardCalls} · ` +
    `on-demand ${s.onDemandSplits} split(s), ${s.onDemandMerges} merge(s)`
  );
}
