import { ShardReader, type Fetched, type ShardReaderInput } from '../../coordinator/ShardReader.ts';
import type { EfoSource } from './createEfoSource.ts';
import type { ConsumerMode } from './planConsumerPrune.ts';
import { SubscriptionReader } from './SubscriptionReader.ts';

/** What the shard task reads from: records in shard order, whichever way they arrive. */
export interface RecordSource {
  readonly shardId: string;
  next(): Promise<Fetched>;
}

export type RecordSourceInput = ShardReaderInput & { mode: ConsumerMode; efo?: EfoSource | undefined };

/** Polling (GetRecords, paced) or enhanced fan-out (SubscribeToShard): the processors cannot tell which. */
export function createRecordSource(i: RecordSourceInput): RecordSource {
  if (i.mode === 'polling') return new ShardReader(i);
  const efo = i.efo;
  if (!efo) throw new Error(`${i.shardId}: consumer mode efo needs the application's EfoSource (createEfoSource)`);
  const { kinesis: _kinesis, options: _options, mode: _mode, efo: _efo, ...common } = i;
  return new SubscriptionReader({ ...common, efo: efo.port, consumerArn: efo.consumerArn });
}
