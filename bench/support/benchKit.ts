import { ListShardsCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';
import { encodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { buildShardMap, hashKeyOf, shardIndexFor } from '../../src/kinesis/shardMap.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** kinesalite in its own process, so the measured client's CPU and memory are its own. */
export async function startKinesaliteChild(): Promise<{ endpoint: string; kinesis: KinesisClient; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('../kinesaliteChild.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const { config } = loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': endpoint } });
  return { endpoint, kinesis: createKinesisClient(config), stop: () => child.kill('SIGTERM') };
}

/** Creates a stream and fills it: one event per record, or KPL aggregates of ~aggregateBytes. */
export async function fillStream(kinesis: KinesisClient, stream: string, shards: number, events: UserEvent[], aggregateBytes = 0): Promise<void> {
  await ensureStream(kinesis, { name: stream, shards, retentionHours: 24, pollMs: 20 });
  const entries: Array<{ PartitionKey: string; Data: Uint8Array; ExplicitHashKey?: string }> = [];
  if (aggregateBytes > 0) {
    // As the producer does: one aggregate per destination shard, routed there by an explicit hash key.
    const map = buildShardMap((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []);
    const open = map.shards.map(() => ({ chunk: [] as UserEvent[], size: 0 }));
    const flush = (i: number) => {
      const o = open[i]!;
      if (o.chunk.length === 0) return;
      entries.push({ PartitionKey: o.chunk[0]!.userid, ExplicitHashKey: map.shards[i]!.startingHashKey, Data: encodeAggregate(o.chunk.map((e) => ({ partitionKey: e.userid, data: Buffer.from(serializeEvent(e)) }))) });
      o.chunk = [];
      o.size = 0;
    };
    for (const e of events) {
      const i = shardIndexFor(map, hashKeyOf(e.userid));
      const s = serializeEvent(e).length + e.userid.length + 8;
      if (open[i]!.size + s > aggregateBytes) flush(i);
      open[i]!.chunk.push(e);
      open[i]!.size += s;
    }
    open.forEach((_, i) => flush(i));
  } else for (const e of events) entries.push({ PartitionKey: e.userid, Data: Buffer.from(serializeEvent(e)) });
  const maxCallBytes = 4 * 1024 * 1024;
  for (let i = 0; i < entries.length; ) {
    const batch: typeof entries = [];
    let bytes = 0;
    while (i < entries.length && batch.length < 500 && bytes + entries[i]!.Data.byteLength < maxCallBytes) {
      bytes += entries[i]!.Data.byteLength;
      batch.push(entries[i++]!);
    }
    const r = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: batch }));
    if (r.FailedRecordCount) throw new Error(`fill: ${r.FailedRecordCount} records failed`);
  }
}

/** Runs bench/support/consumeChild.ts (with extra node flags, e.g. --cpu-prof) and returns its JSON report. */
export function runChild(args: string[], nodeArgs: string[] = []): Promise<Record<string, number | string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', new URL('./consumeChild.ts', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`child exited ${code}`))));
  });
}

/** A long-running worker child; `lines` receives its JSON lines as they come. */
export function startWorkerChild(args: string[], onLine: (o: Record<string, unknown>) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./consumeChild.ts', import.meta.url).pathname, 'worker', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      onLine(JSON.parse(l));
    } catch {
      /* not ours */
    }
  });
  return child;
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
