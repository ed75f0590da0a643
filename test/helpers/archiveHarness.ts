import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { ArchiveManifest } from '../../src/archive/ArchiveManifest.ts';
import { ArchiveProcessor, type ArchiveDeps, type ArchiveOptions } from '../../src/archive/ArchiveProcessor.ts';
import type { ArchiveLine } from '../../src/archive/archiveLine.ts';
import type { ObjectStore } from '../../src/archive/ObjectStore.ts';
import { replayArchive } from '../../src/archive/replayArchive.ts';
import { s3ObjectStore } from '../../src/archive/s3ObjectStore.ts';
import { compareSeq } from '../../src/kinesis/position.ts';
import type { CoordinatorOptions } from '../../src/coordinator/CoordinatorOptions.ts';
import { runConsumer, type ConsumerHandle } from '../../src/coordinator/runConsumer.ts';
import { serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { fastCoordinator, silentLog, type Env } from './consumerHarness.ts';

export const ARCHIVE_APP = 'test-app';

export function objectStoreFor(s3: S3Client, bucket: string): ObjectStore {
  return s3ObjectStore(s3, bucket, { partSizeBytes: 5 * 1024 * 1024 });
}

export interface PutInput {
  /** Raw payloads the archive must keep although they are not events. */
  garbage?: string[];
  seed?: number;
}

/** Puts `n` generated events (partition key = userid) plus garbage records; returns what was put, as record payload strings. */
export async function putEvents(env: Env, n: number, o: PutInput = {}): Promise<string[]> {
  const gen = new EventGenerator({ seed: o.seed ?? 7, users: 40, duplicates: 0, startMs: Date.parse('2024-05-01T10:00:00Z') });
  const events: UserEvent[] = Array.from({ length: n }, () => gen.next());
  const entries = events.map((e) => ({ PartitionKey: e.userid, Data: Buffer.from(serializeEvent(e)) }));
  for (const [i, g] of (o.garbage ?? []).entries()) entries.splice(Math.min(entries.length, i * 7), 0, { PartitionKey: `garbage-${i}`, Data: Buffer.from(g) });
  for (let i = 0; i < entries.length; i += 500) {
    const r = await env.kinesis.send(new PutRecordsCommand({ StreamName: env.stream, Records: entries.slice(i, i + 500) }));
    if (r.FailedRecordCount) throw new Error(`put failed for ${r.FailedRecordCount} records`);
  }
  return entries.map((e) => e.Data.toString());
}

export function startArchiver(env: Env, options: ArchiveOptions, deps: ArchiveDeps, over: Partial<CoordinatorOptions> = {}, workerId?: string): ConsumerHandle {
  return runConsumer({
    app: ARCHIVE_APP,
    processor: (ctx) => new ArchiveProcessor(ctx, options, deps),
    options: { ...fastCoordinator, ...over },
    initialPosition: { type: 'TRIM_HORIZON' },
    deps: { store: env.store, kinesis: sdkKinesisReadPort(env.kinesis, env.stream), log: silentLog },
    ...(workerId ? { workerId } : {}),
  });
}

export async function committedRecordCount(env: Env): Promise<number> {
  return (await new ArchiveManifest(env.store).list(ARCHIVE_APP)).reduce((n, e) => n + e.records, 0);
}

export async function committedLines(env: Env, objectStore: ObjectStore): Promise<ArchiveLine[]> {
  const out: ArchiveLine[] = [];
  for await (const l of replayArchive({ store: env.store, objectStore, app: ARCHIVE_APP })) out.push(l);
  return out;
}

/** Each payload once in the committed archive, and each shard's records in stream order. */
export function checkArchive(lines: ArchiveLine[], expected: string[]): string[] {
  const problems: string[] = [];
  const payload = (l: ArchiveLine) => (l.event ? JSON.stringify(l.event) : Buffer.from(l.raw!, 'base64').toString());
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(payload(l), (counts.get(payload(l)) ?? 0) + 1);
  for (const e of expected) if (counts.get(e) !== 1) problems.push(`${e.slice(0, 60)} archived ${counts.get(e) ?? 0} times`);
  if (lines.length !== expected.length) problems.push(`${lines.length} archived records for ${expected.length} put`);
  const last = new Map<string, ArchiveLine>();
  for (const l of lines) {
    const p = last.get(l.shard);
    if (p && (compareSeq(p.seq, l.seq) || p.sub - l.sub) >= 0) problems.push(`${l.shard}: ${l.seq}/${l.sub} after ${p.seq}/${p.sub}`);
    last.set(l.shard, l);
  }
  return problems.slice(0, 10);
}
