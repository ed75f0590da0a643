import { pollingRecordSource, type RecordSource, type RecordSourceFactory } from '../RecordSource.ts';
import type { ShardReaderInput } from '../ShardReader.ts';
import type { EfoSource } from './createEfoSource.ts';
import type { ConsumerMode } from './planConsumerPrune.ts';
import { SubscriptionReader } from './SubscriptionReader.ts';

export type { RecordSource };

/** Each shard's records pushed by SubscribeToShard to the application's registered consumer. */
export function efoRecordSource(efo: EfoSource): RecordSourceFactory {
  return (i) => {
    const { kinesis: _kinesis, options, ...common } = i;
    return new SubscriptionReader({ ...common, efo: efo.port, consumerArn: efo.consumerArn, ...(options ? { batch: { maxRecords: options.maxRecordsPerFetch, maxBytes: options.maxBytesPerFetch } } : {}) });
  };
}

export type RecordSourceInput = ShardReaderInput & { mode: ConsumerMode; efo?: EfoSource | undefined };

/** Polling (GetRecords, paced) or enhanced fan-out (SubscribeToShard): the processors cannot tell which. */
export function createRecordSource(i: RecordSourceInput): RecordSource {
  const { mode, efo, ...input } = i;
  if (mode === 'polling') return pollingRecordSource(input);
  if (!efo) throw new Error(`${i.shardId}: consumer mode efo needs the application's EfoSource (createEfoSource)`);
  return efoRecordSource(efo)(input);
}
