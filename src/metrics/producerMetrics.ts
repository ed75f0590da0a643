import type { Registry } from 'prom-client';
import type { ProducerCounters } from '../produce/ProducerCounters.ts';
import { counterFrom, gaugeFrom } from './metricFromValue.ts';

/** The producer's counters as Prometheus metrics (`centos_producer_*`), read at scrape time. */
export function registerProducerMetrics(registry: Registry, c: ProducerCounters, o: { oldestUnackedAgeMs: () => number | undefined; maxBufferedRecords: number; maxBufferedBytes: number }): void {
  const p = 'centos_producer_';
  gaugeFrom(registry, `${p}buffer_capacity_events`, 'producer.maxBufferedRecords: reading input pauses above this', () => o.maxBufferedRecords);
  gaugeFrom(registry, `${p}buffer_capacity_bytes`, 'producer.maxBufferedBytes: reading input pauses above this', () => o.maxBufferedBytes);
  counterFrom(registry, `${p}events_read_total`, 'events read from input files and handed to the producer', () => c.eventsRead);
  counterFrom(registry, `${p}events_acknowledged_total`, 'events Kinesis acknowledged', () => c.eventsAcked);
  counterFrom(registry, `${p}records_put_total`, 'Kinesis records acknowledged (an aggregate counts once)', () => c.recordsPut);
  counterFrom(registry, `${p}aggregates_put_total`, 'KPL aggregates acknowledged', () => c.aggregatesPut);
  counterFrom(registry, `${p}bytes_put_total`, 'bytes of acknowledged Kinesis records (data and partition key)', () => c.bytesPut);
  counterFrom(registry, `${p}put_calls_total`, 'PutRecords calls made', () => c.putCalls);
  counterFrom(registry, `${p}put_call_errors_total`, 'PutRecords calls that failed as a whole', () => c.putCallErrors);
  counterFrom(registry, `${p}put_call_duration_seconds_total`, 'time spent in PutRecords calls (divide by put_calls_total for the mean)', () => c.putLatencyMsSum / 1000);
  counterFrom(registry, `${p}record_failures_total`, 'records a PutRecords call did not write, by AWS error code', () => [...c.failuresByCode].map(([code, n]) => [{ code }, n] as [Record<'code', string>, number]), ['code']);
  counterFrom(registry, `${p}throttled_records_total`, 'records refused with ProvisionedThroughputExceededException', () => c.throttled);
  counterFrom(registry, `${p}retries_total`, 'records queued again after a failure', () => c.retries);
  counterFrom(registry, `${p}wrong_shard_resends_total`, 'user records sent again because a reshard put them on a shard whose hash range excludes them', () => c.eventsResent);
  counterFrom(registry, `${p}retries_rebuilt_total`, 'retried aggregates rebuilt against the current shard map instead of re-sent with a stale hash key', () => c.retriesRebuilt);
  counterFrom(registry, `${p}dead_letters_total`, 'events dead-lettered, by reason: invalid input or not acknowledged within producer.recordTtlMs', () => [[{ reason: 'invalid' }, c.eventsInvalid], [{ reason: 'ttl' }, c.eventsDeadLettered]] as Array<[Record<'reason', string>, number]>, ['reason']);
  gaugeFrom(registry, `${p}buffered_events`, 'events read and not yet acknowledged or dead-lettered', () => c.bufferedEvents);
  gaugeFrom(registry, `${p}buffered_bytes`, 'bytes of events read and not yet acknowledged', () => c.bufferedBytes);
  gaugeFrom(registry, `${p}oldest_unacknowledged_age_seconds`, 'age of the oldest event read and not yet acknowledged (0 when none)', () => (o.oldestUnackedAgeMs() ?? 0) / 1000);
  counterFrom(registry, `${p}input_pauses_total`, 'times reading input paused because the buffer was full', () => c.inputPauses);
  counterFrom(
    registry,
    `${p}files_total`,
    'input files by outcome: done, rejected, failed (events expired), reread (changed while sent)',
    () =>
      [
        [{ outcome: 'done' }, c.filesDone],
        [{ outcome: 'rejected' }, c.filesRejected],
        [{ outcome: 'failed' }, c.filesFailed],
        [{ outcome: 'reread' }, c.filesReread],
      ] as Array<[Record<'outcome', string>, number]>,
    ['outcome'],
  );
}
