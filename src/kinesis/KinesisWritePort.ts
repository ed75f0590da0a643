import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { clientEndpoint } from '../aws/awsClients.ts';
import { KinesisError, kinesisCall } from './KinesisError.ts';
import { listShards } from './listShards.ts';
import type { ShardDescription } from './shardMap.ts';

export interface PutEntry {
  data: Uint8Array;
  partitionKey: string;
  explicitHashKey?: string;
}

export interface PutResultEntry {
  shardId?: string;
  sequenceNumber?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** The two Kinesis calls the producer makes; each throws a KinesisError (retriable, throttled, code, operation, endpoint). */
export interface KinesisWritePort {
  putRecords(streamName: string, entries: readonly PutEntry[]): Promise<PutResultEntry[]>;
  listShards(streamName: string): Promise<ShardDescription[]>;
}

export function kinesisWritePortFrom(client: KinesisClient): KinesisWritePort {
  const endpoint = () => clientEndpoint(client, 'kinesis');
  return {
    async putRecords(streamName, entries) {
      const out = await kinesisCall('PutRecords', endpoint, () =>
        client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: entries.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey, ...(e.explicitHashKey !== undefined ? { ExplicitHashKey: e.explicitHashKey } : {}) })),
          }),
        ),
      );
      const records = out.Records ?? [];
      if (records.length !== entries.length) throw new KinesisError('PutRecords', await endpoint(), new Error(`the service returned ${records.length} results for ${entries.length} records`));
      return records.map((r) => ({
        ...(r.ShardId !== undefined ? { shardId: r.ShardId } : {}),
        ...(r.SequenceNumber !== undefined ? { sequenceNumber: r.SequenceNumber } : {}),
        ...(r.ErrorCode !== undefined ? { errorCode: r.ErrorCode } : {}),
        ...(r.ErrorMessage !== undefined ? { errorMessage: r.ErrorMessage } : {}),
      }));
    },
    listShards: (streamName) => listShards(client, streamName),
  };
}
