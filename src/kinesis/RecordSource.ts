import { ShardReader, type Fetched, type ShardReaderInput } from './ShardReader.ts';

/** What a shard task reads from: the shard's records in order, whichever way they arrive (polled or pushed). */
export interface RecordSource {
  readonly shardId: string;
  next(): Promise<Fetched>;
}

/** Opens a shard's record source for one attempt; the default polls with GetRecords. */
export type RecordSourceFactory = (input: ShardReaderInput) => RecordSource;

export const pollingRecordSource: RecordSourceFactory = (input) => new ShardReader(input);
