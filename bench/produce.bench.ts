/**
 * Producer throughput, side by side on one kinesalite (its own process), 4 shards, ~250-byte events:
 *   (a) plain PutRecords loop, one event per record, 500 per call
 *   (b) loop aggregating with AWS's aws-kinesis-agg per destination shard (~50 KiB aggregates)
 *   (c) centos produce --no-aggregation   (from files, the real command in this process)
 *   (d) centos produce                    (from files, aggregated)
 * then (e) centos produce through the limit proxy at AWS limits (bytes/s per shard, loss) and
 * (f) the RSS of the real binary while 1M events wait behind an unreachable Kinesis.
 * Run: npm run bench:produce  [-- --events 150000 --limit-seconds 10 --memory-events 1000000 --memory-seconds 60]
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createKinesisClient } from '../src/aws/awsClients.ts';
import { main } from '../src/cli/main.ts';
import { configSchema } from '../src/config/configSchema.ts';
import { serializeEvent } from '../src/events/eventSchema.ts';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { writeGeneratedFiles } from '../src/generate/writeGeneratedFiles.ts';
import { startLimitProxy } from '../src/local/startLimitProxy.ts';
import { kinesisPortFrom } from '../src/produce/KinesisPort.ts';
import { buildShardMap, hashKeyOf, shardIndexFor } from '../src/produce/shardMap.ts';
import { createStream, readStream } from '../test/helpers/readStream.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '150000' },
    'limit-seconds': { type: 'string', default: '10' },
    'memory-events': { type: 'string', default: '1000000' },
    'memory-seconds': { type: 'string', default: '60' },
  },
});
const N = Number(values.events);
const SHARDS = 4;
const USERS = 1000;
const BIN = new URL('../bin/centos', import.meta.url).pathname;
const agg = createRequire(import.meta.url)('aws-kinesis-agg') as {
  RecordAggregator: new () => { totalBytes: number; length(): number; calculateUserRecordSize(r: unknown): number; addUserRecord(r: unknown): void; build(): { partitionKey: string; data: Buffer } };
};

const kChild = spawn(process.execPath, ['--import', 'tsx', new URL('./kinesaliteChild.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const endpoint = await new Promise<string>((resolve) => kChild.stdout.once('data', (d) => resolve(String(d).trim())));
const config = configSchema.parse({ aws: { kinesisEndpoint: endpoint } });
const client: KinesisClient = createKinesisClient(config, { maxAttempts: 1 });
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-produce-'));

const gen = new EventGenerator({ seed: 11, users: USERS, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const events = Array.from({ length: N }, () => gen.next());
const payloads = events.map((e) => ({ pk: e.userid, data: Buffer.from(serializeEvent(e)) }));
const avgBytes = payloads.reduce((s, p) => s + p.data.length, 0) / N;
const totalMB = payloads.reduce((s, p) => s + p.data.length, 0) / 1e6;

interface Row {
  name: string;
  secs: number;
  cpuMs: number;
  events: number;
}
const rows: Row[] = [];

async function measure(name: string, fn: () => Promise<void>): Promise<Row> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const row = { name, secs, cpuMs: (cpu.user + cpu.system) / 1000, events: N };
  rows.push(row);
  console.error(`  ${name}: ${Math.round(N / secs).toLocaleString('en-US')} events/s`);
  return row;
}

async function putAll(stream: string, records: Array<{ Data: Uint8Array; PartitionKey: string; ExplicitHashKey?: string }>): Promise<void> {
  let i = 0;
  while (i < records.length) {
    const batch: typeof records = [];
    let bytes = 0;
    while (i < records.length && batch.length < 500 && bytes + records[i]!.Data.length + records[i]!.PartitionKey.length <= 5 * 1024 * 1024) {
      bytes += records[i]!.Data.length + records[i]!.PartitionKey.length;
      batch.push(records[i++]!);
    }
    let pending = batch;
    while (pending.length > 0) {
      const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      pending = pending.filter((_, j) => out.Records?.[j]?.ErrorCode);
    }
  }
}

async function checkStream(stream: string, expected: number): Promise<void> {
  const got = new Set((await readStream(client, stream)).map((e) => e.event.eventId));
  if (got.size !== expected) throw new Error(`${stream}: ${got.size} distinct events in the stream, expected ${expected}`);
}

function sink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

async function produceCommand(stream: string, watch: string, args: string[], extraEnv: Record<string, string> = {}, kinesisEndpoint = endpoint): Promise<void> {
  const env = {
    CENTOS_AWS_KINESIS_ENDPOINT: kinesisEndpoint,
    CENTOS_STREAM_NAME: stream,
    CENTOS_PATHS_WATCH: watch,
    CENTOS_PATHS_DONE: watch + '-done',
    CENTOS_PATHS_REJECTED: watch + '-rejected',
    CENTOS_PATHS_DEAD_LETTERS: watch + '-dead',
    CENTOS_LOG_LEVEL: 'warn',
    // The files were renamed in whole (the documented fast path): no quiet period to wait out.
    CENTOS_PRODUCER_SETTLE_MS: '0',
    ...extraEnv,
  };
  const code = await main(['produce', '--once', ...args], { signal: new AbortController().signal, env, stdout: sink(), stderr: process.stderr });
  if (code !== 0) throw new Error(`centos produce exited ${code}`);
  if ((await readdir(watch)).length !== 0) throw new Error('files left in the watch directory');
}

async function filesFor(name: string, count: number): Promise<string> {
  const watch = path.join(dir, name);
  await writeGeneratedFiles({ files: count, rows: Math.ceil(N / count), users: USERS, seed: 11, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z'), intervalMs: 0, generatedDir: path.join(dir, name + '-gen'), watchDir: watch });
  return watch;
}

// Kinesalite has no limits: lift ours so the buckets still run but never bind.
const unlimited = { CENTOS_PRODUCER_SHARD_BYTES_PER_SEC: String(1e12), CENTOS_PRODUCER_SHARD_RECORDS_PER_SEC: String(1e9) };

console.error(`produce benchmark: ${N.toLocaleString('en-US')} events of ${avgBytes.toFixed(0)} bytes (${totalMB.toFixed(1)} MB), ${USERS} users, ${SHARDS} shards, kinesalite ${endpoint}`);
for (const s of ['bench-a', 'bench-b', 'bench-c', 'bench-d', 'bench-e']) await createStream(client, s, SHARDS);
const map = buildShardMap(await kinesisPortFrom(client).listShards('bench-a'));
const watchC = await filesFor('watch-c', 10);
const watchD = await filesFor('watch-d', 10);

const a = await measure('(a) PutRecords loop, 1 event/record, 500/call', () => putAll('bench-a', payloads.map((p) => ({ Data: p.data, PartitionKey: p.pk }))));
const b = await measure('(b) aws-kinesis-agg per shard (~50 KiB), PutRecords loop', async () => {
  const aggs = map.shards.map(() => new agg.RecordAggregator());
  const out: Array<{ Data: Uint8Array; PartitionKey: string; ExplicitHashKey: string }> = [];
  const emit = (i: number) => {
    const r = aggs[i]!.build();
    out.push({ Data: r.data, PartitionKey: r.partitionKey, ExplicitHashKey: map.shards[i]!.startingHashKey });
  };
  for (const p of payloads) {
    const i = shardIndexFor(map, hashKeyOf(p.pk));
    const rec = { partitionKey: p.pk, data: p.data };
    if (aggs[i]!.length() > 0 && aggs[i]!.totalBytes + aggs[i]!.calculateUserRecordSize(rec) > 50 * 1024) emit(i);
    aggs[i]!.addUserRecord(rec);
  }
  aggs.forEach((g, i) => g.length() > 0 && emit(i));
  await putAll('bench-b', out);
});
const c = await measure('(c) centos produce --no-aggregation', () => produceCommand('bench-c', watchC, ['--no-aggregation'], unlimited));
const d = await measure('(d) centos produce (aggregated)', () => produceCommand('bench-d', watchD, [], unlimited));
for (const s of ['bench-a', 'bench-b', 'bench-c', 'bench-d']) await checkStream(s, N);

// (e) Through the limit proxy at AWS limits: sustained bytes/s per shard, zero loss.
const limitSecs = Number(values['limit-seconds']);
const limitEvents = Math.round((limitSecs * SHARDS * 1_000_000) / (avgBytes + 40));
const proxy = await startLimitProxy({ upstream: endpoint, port: 0 });
const watchE = path.join(dir, 'watch-e');
await writeGeneratedFiles({ files: 10, rows: Math.ceil(limitEvents / 10), users: USERS, seed: 12, duplicates: 0, startMs: 0, intervalMs: 0, generatedDir: path.join(dir, 'gen-e'), watchDir: watchE });
const eEvents = Math.ceil(limitEvents / 10) * 10;
const t0 = performance.now();
await produceCommand('bench-e', watchE, [], {}, proxy.endpoint);
const eSecs = (performance.now() - t0) / 1000;
const eStream = await readStream(client, 'bench-e');
const eDistinct = new Set(eStream.map((x) => x.event.eventId)).size;
const eBytes = new Map<string, number>();
const seenRec = new Set<string>();
for (const x of eStream) {
  if (seenRec.has(x.sequenceNumber)) continue;
  seenRec.add(x.sequenceNumber);
  eBytes.set(x.shardId, (eBytes.get(x.shardId) ?? 0) + x.raw.length + 36);
}
await proxy.close();
// The initial burst (the producer's bucket starts full) is taken out of the sustained figure.
const perShard = [...eBytes.values()].map((bytes) => (bytes - 1_000_000 * 0.95) / eSecs);

// (f) Memory: the real binary, 1M events in the watch dir, Kinesis unreachable.
const memEvents = Number(values['memory-events']);
const memSecs = Number(values['memory-seconds']);
const watchF = path.join(dir, 'watch-f');
await writeGeneratedFiles({ files: 100, rows: Math.ceil(memEvents / 100), users: USERS, seed: 13, duplicates: 0, startMs: 0, intervalMs: 0, generatedDir: path.join(dir, 'gen-f'), watchDir: watchF });
const s = createServer();
await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
const deadPort = (s.address() as { port: number }).port;
await new Promise((r) => s.close(r));
const child = spawn(process.execPath, [BIN, 'produce'], {
  env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', CENTOS_AWS_KINESIS_ENDPOINT: `http://127.0.0.1:${deadPort}`, CENTOS_PATHS_WATCH: watchF, CENTOS_PATHS_DONE: watchF + '-done', CENTOS_PATHS_DEAD_LETTERS: watchF + '-dead', CENTOS_PATHS_REJECTED: watchF + '-rej', CENTOS_LOG_LEVEL: 'error' },
  stdio: 'ignore',
});
let maxRss = 0;
for (let i = 0; i < memSecs; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  maxRss = Math.max(maxRss, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
child.kill('SIGTERM');
await new Promise((r) => child.once('close', r));
const filesLeft = (await readdir(watchF)).length;

kChild.kill('SIGTERM');
client.destroy();
await rm(dir, { recursive: true, force: true });

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`\n| scenario | events/s | MB/s | client CPU ms / 1k events |\n|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.name} | ${fmt(N / r.secs)} | ${((totalMB / r.secs)).toFixed(1)} | ${((r.cpuMs / r.events) * 1000).toFixed(1)} |`);
console.log(`\nratio (d)/(b) = ${(b.secs / d.secs).toFixed(2)}  (target ≥ 1.0)`);
console.log(`ratio (c)/(a) = ${(a.secs / c.secs).toFixed(2)}  (target ≥ 0.9)`);
console.log(
  `\n(e) limit proxy at AWS limits: ${eEvents.toLocaleString('en-US')} events in ${eSecs.toFixed(1)} s; sustained per shard ${perShard.map((x) => (x / 1e6).toFixed(3)).join(' / ')} MB/s` +
    ` = ${perShard.map((x) => ((x / 1_000_000) * 100).toFixed(0) + '%').join(' / ')} of 1 MB/s; throttled records ${proxy.stats.throttledRecords}; missing ${eEvents - eDistinct}`,
);
console.log(`(f) memory: ${memEvents.toLocaleString('en-US')} events waiting, Kinesis unreachable for ${memSecs} s: max RSS ${maxRss.toFixed(0)} MB (target ≤ 300); files left in watch ${filesLeft}/100`);
