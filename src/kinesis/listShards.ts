import { ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { clientEndpoint } from '../aws/awsClients.ts';
import { kinesisCall } from './KinesisError.ts';

/**
 * Every shard of the stream, open and closed (those still within the retention period), page by
 * page. The one place ListShards is paged; a failure is a KinesisError (retriable, throttled, code).
 */
export async function listShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const endpoint = () => clientEndpoint(client, 'kinesis');
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    // With a NextToken, ListShards must not name the stream.
    const page = await kinesisCall('ListShards', endpoint, () => client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName })));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return shards;
}

/** The parents a shard was split or merged from. */
export const parentsOf = (s: Shard): string[] => [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => Boolean(p));
