import { createHash } from 'node:crypto';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { decodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { listShards, parentsOf } from '../../src/kinesis/listShards.ts';

export interface StreamEvent {
  shardId: string;
  sequenceNumber: string;
  subSequence: number;
  aggregated: boolean;
  event: { eventId: string; userid: string; userSeq?: number } & Record<string, unknown>;
  raw: Uint8Array;
  /** The Kinesis record's ApproximateArrivalTimestamp, ms, and its partition key (the aggregate's, for an aggregate). */
  arrivedAt: number;
  recordKey: string;
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

export interface StreamView {
  /** User events as a KCL reader gets them: shards parents first, each in sequence order. */
  events: StreamEvent[];
  /** Sub-records dropped because their hash key lies outside their shard's hash range (the KCL's rule). */
  dropped: StreamEvent[];
  /** Parent shard ids of every shard. */
  parentsOf: Map<string, string[]>;
}

const md5Hash = (key: string) => BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));

/**
 * Reads the whole stream as the AWS KCL does: aggregates opened, sub-records whose hash key
 * (explicit, else the MD5 of the partition key) is outside the shard's hash range dropped,
 * parent shards before their children.
 */
export async function readStreamView(kinesis: KinesisClient, stream: string): Promise<StreamView> {
  const view: StreamView = { events: [], dropped: [], parentsOf: new Map() };
  const shards = await listShards(kinesis, stream);
  for (const s of shards) view.parentsOf.set(s.ShardId!, parentsOf(s));
  const done = new Set<string>();
  const ordered: Shard[] = [];
  const visit = (s: Shard) => {
    if (done.has(s.ShardId!)) return;
    done.add(s.ShardId!);
    for (const p of view.parentsOf.get(s.ShardId!)!) {
      const parent = shards.find((x) => x.ShardId === p);
      if (parent) visit(parent);
    }
    ordered.push(s);
  };
  shards.forEach(visit);
  for (const shard of ordered) {
    const lo = BigInt(shard.HashKeyRange!.StartingHashKey!);
    const hi = BigInt(shard.HashKeyRange!.EndingHashKey!);
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const rec of r.Records ?? []) {
        const users = decodeAggregate(rec.Data!);
        const items = users ?? [{ partitionKey: rec.PartitionKey!, data: Buffer.from(rec.Data!) }];
        items.forEach((u, i) => {
          const e = { shardId: shard.ShardId!, sequenceNumber: rec.SequenceNumber!, subSequence: i, aggregated: users !== undefined, event: JSON.parse(Buffer.from(u.data).toString('utf8')), raw: rec.Data!, arrivedAt: rec.ApproximateArrivalTimestamp?.getTime() ?? 0, recordKey: rec.PartitionKey! };
          const hash = u.explicitHashKey !== undefined ? BigInt(u.explicitHashKey) : md5Hash(u.partitionKey);
          if (users !== undefined && (hash < lo || hash > hi)) view.dropped.push(e);
          else view.events.push(e);
        });
      }
      if ((r.Records ?? []).length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return view;
}

/** Every user event in the stream as a KCL reader gets it (see readStreamView). */
export async function readStream(kinesis: KinesisClient, stream: string): Promise<StreamEvent[]> {
  return (await readStreamView(kinesis, stream)).events;
}

/**
 * Per-user order problems: a user's first-seen userSeq values must strictly increase, and a
 * user lives on one shard — or, given the shards' parents, on one line of descent, so that
 * reading parents before children never runs two of the user's shards side by side.
 */
export function orderViolations(events: readonly StreamEvent[], parentsOf?: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const last = new Map<string, number>();
  const shardOf = new Map<string, string>();
  const descends = (child: string, ancestor: string): boolean => child === ancestor || (parentsOf?.get(child) ?? []).some((p) => descends(p, ancestor));
  for (const e of events) {
    const { eventId, userid, userSeq } = e.event;
    const s = shardOf.get(userid);
    if (s === undefined) shardOf.set(userid, e.shardId);
    else if (s !== e.shardId) {
      if (parentsOf && descends(e.shardId, s)) shardOf.set(userid, e.shardId);
      else problems.push(`${userid} on ${s} and ${e.shardId}`);
    }
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    if (userSeq === undefined) continue;
    const prev = last.get(userid);
    if (prev !== undefined && userSeq <= prev) problems.push(`${userid}: userSeq ${userSeq} after ${prev}`);
    last.set(userid, userSeq);
  }
  return problems;
}
