import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import { clientEndpoint } from '../aws/awsClients.ts';
import { kinesisCall } from './KinesisError.ts';
import { listShards, parentsOf } from './listShards.ts';

/** A shard as the coordinator leases it: its parents (split or merge) and its hash-key range. */
export interface ShardInfo {
  shardId: string;
  parentIds: string[];
  hashStart: string;
  hashEnd: string;
}

export interface RawRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  arrivalMs: number;
}

export interface GetRecordsResult {
  records: RawRecord[];
  /** Undefined at SHARD_END: the shard is closed and fully read. */
  nextIterator: string | undefined;
  millisBehindLatest: number | undefined;
}

export type IteratorStart =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; seq: string }
  | { type: 'AT_TIMESTAMP'; timestampMs: number };

/** Which stream this is: a stream deleted and re-created under the same name has a new creation time (and, on AWS, ARN). */
export interface StreamIdentity {
  arn: string;
  createdMs: number;
}

/** The Kinesis calls a consumer makes; each throws a KinesisError (retriable, throttled, code, operation, endpoint). */
export interface KinesisReadPort {
  describeStream(): Promise<StreamIdentity>;
  listShards(): Promise<ShardInfo[]>;
  getShardIterator(shardId: string, start: IteratorStart): Promise<string>;
  getRecords(iterator: string, limit: number): Promise<GetRecordsResult>;
}

export function sdkKinesisReadPort(client: KinesisClient, streamName: string): KinesisReadPort {
  const endpoint = () => clientEndpoint(client, 'kinesis');
  return {
    async describeStream() {
      const r = await kinesisCall('DescribeStreamSummary', endpoint, () => client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })));
      const d = r.StreamDescriptionSummary;
      return { arn: d?.StreamARN ?? '', createdMs: d?.StreamCreationTimestamp?.getTime() ?? 0 };
    },
    async listShards() {
      return (await listShards(client, streamName)).map((s) => ({
        shardId: s.ShardId!,
        parentIds: parentsOf(s),
        hashStart: s.HashKeyRange?.StartingHashKey ?? '',
        hashEnd: s.HashKeyRange?.EndingHashKey ?? '',
      }));
    },
    async getShardIterator(shardId, start) {
      const r = await kinesisCall('GetShardIterator', endpoint, () =>
        client.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ShardIteratorType: start.type as ShardIteratorType,
            ...('seq' in start ? { StartingSequenceNumber: start.seq } : {}),
            ...('timestampMs' in start ? { Timestamp: new Date(start.timestampMs) } : {}),
          }),
        ),
      );
      return r.ShardIterator!;
    },
    async getRecords(iterator, limit) {
      const r = await kinesisCall('GetRecords', endpoint, () => client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit })));
      return {
        records: (r.Records ?? []).map((x) => ({
          sequenceNumber: x.SequenceNumber!,
          partitionKey: x.PartitionKey!,
          data: x.Data ?? new Uint8Array(),
          arrivalMs: x.ApproximateArrivalTimestamp?.getTime() ?? 0,
        })),
        nextIterator: r.NextShardIterator ?? undefined,
        millisBehindLatest: r.MillisBehindLatest,
      };
    },
  };
}
