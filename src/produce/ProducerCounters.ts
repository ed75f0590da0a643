/** What the producer has done so far; read by the progress line, logs and (later) /metrics. */
export interface ProducerCounters {
  eventsRead: number;
  eventsAcked: number;
  eventsDeadLettered: number;
  eventsInvalid: number;
  recordsPut: number;
  /** Kinesis records that were KPL aggregates. */
  aggregatesPut: number;
  bytesPut: number;
  putCalls: number;
  putCallErrors: number;
  putLatencyMsSum: number;
  putLatencyMsMax: number;
  retries: number;
  throttled: number;
  /** Records a PutRecords call did not write, by AWS error code (a whole failed call counts each of its records). */
  failuresByCode: Map<string, number>;
  shardMapRefreshes: number;
  /** User records sent again because Kinesis put them on a shard whose hash range excludes them (a stale map after a split). */
  eventsResent: number;
  /** Retried aggregates rebuilt for the current shard map instead of being re-sent with a stale hash key. */
  retriesRebuilt: number;
  filesRead: number;
  filesDone: number;
  filesRejected: number;
  filesFailed: number;
  /** Files read again because they changed while their events were being sent. */
  filesReread: number;
  /** Events read and not yet acknowledged or dead-lettered. */
  bufferedEvents: number;
  bufferedBytes: number;
  /** Times reading stopped because the buffer was full. */
  inputPauses: number;
}

export function createProducerCounters(): ProducerCounters {
  return {
    eventsRead: 0,
    eventsAcked: 0,
    eventsDeadLettered: 0,
    eventsInvalid: 0,
    recordsPut: 0,
    aggregatesPut: 0,
    bytesPut: 0,
    putCalls: 0,
    putCallErrors: 0,
    putLatencyMsSum: 0,
    putLatencyMsMax: 0,
    retries: 0,
    throttled: 0,
    failuresByCode: new Map(),
    shardMapRefreshes: 0,
    eventsResent: 0,
    retriesRebuilt: 0,
    filesRead: 0,
    filesDone: 0,
    filesRejected: 0,
    filesFailed: 0,
    filesReread: 0,
    bufferedEvents: 0,
    bufferedBytes: 0,
    inputPauses: 0,
  };
}
