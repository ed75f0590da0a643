import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { decodeAggregate } from '../../src/kinesis/kplAggregation.ts';

export interface StreamEvent {
  shardId: string;
  sequenceNumber: string;
  subSequence: number;
  aggregated: boolean;
  event: { eventId: string; userid: string; userSeq?: number } & Record<string, unknown>;
  raw: Uint8Array;
}

/** Creates a stream and waits until it is ACTIVE. */
export async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const out = await kinesis.send(new ListShardsCommand({ StreamName: name })).catch(() => undefined);
    if (out?.Shards?.length === shards) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every user event in the stream, shard by shard in sequence order, aggregates opened with our decoder. */
export async function readStream(kinesis: KinesisClient, stream: string): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  for (const shard of shards) {
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const rec of r.Records ?? []) {
        const users = decodeAggregate(rec.Data!);
        const items = users ?? [{ partitionKey: rec.PartitionKey!, data: Buffer.from(rec.Data!) }];
        items.forEach((u, i) =>
          out.push({ shardId: shard.ShardId!, sequenceNumber: rec.SequenceNumber!, subSequence: i, aggregated: users !== undefined, event: JSON.parse(Buffer.from(u.data).toString('utf8')), raw: rec.Data! }),
        );
      }
      if ((r.Records ?? []).length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return out;
}

/** Per-user order problems: a user's first-seen userSeq values must strictly increase, and a user lives on one shard. */
export function orderViolations(events: readonly StreamEvent[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const last = new Map<string, number>();
  const shardOf = new Map<string, string>();
  for (const e of events) {
    const { eventId, userid, userSeq } = e.event;
    const s = shardOf.get(userid);
    if (s === undefined) shardOf.set(userid, e.shardId);
    else if (s !== e.shardId) problems.push(`${userid} on ${s} and ${e.shardId}`);
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    if (userSeq === undefined) continue;
    const prev = last.get(userid);
    if (prev !== undefined && userSeq <= prev) problems.push(`${userid}: userSeq ${userSeq} after ${prev}`);
    last.set(userid, userSeq);
  }
  return problems;
}
