/**
 * Producer throughput, side by side on one kinesalite (its own process), 4 shards, ~250-byte events:
 *   (a) plain PutRecords loop, one event per record, 500 per call
 *   (b) loop aggregating with AWS's aws-kinesis-agg per destination shard (~50 KiB aggregates)
 *   (c) centos produce --no-aggregation   (from files, the real command in this process)
 *   (d) centos produce                    (from files, aggregated)
 * then (e) centos produce through the limit proxy at AWS limits (bytes/s per shard, loss), at the
 * producer.rateLimitPercent values of --rate-percents (default 95 = the config default, 100 = the
 * shard's limit, 150 = the KPL's default) and under on-demand resharding in the faithful proxy, and
 * (f) the RSS of the real binary while 1M events wait behind an unreachable Kinesis.
 * Run: npm run bench:produce  [-- --events 150000 --limit-seconds 10 --memory-events 1000000 --memory-seconds 60
 *   --rate-percents 95,100,150 --on-demand-rate-percent 100 --skip-memory]
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
import { startLimitProxy, type OnDemandOptions } from '../src/local/startLimitProxy.ts';
import { kinesisWritePortFrom } from '../src/kinesis/KinesisWritePort.ts';
import { buildShardMap, hashKeyOf, shardIndexFor } from '../src/kinesis/shardMap.ts';
import { createStream, readStream, readStreamView } from '../test/helpers/readStream.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '150000' },
    'limit-seconds': { type: 'string', default: '10' },
    'memory-events': { type: 'string', default: '1000000' },
    'memory-seconds': { type: 'string', default: '60' },
    'rate-percents': { type: 'string', default: '95,100,150' },
    'on-demand-rate-percent': { type: 'string', default: '100' },
    'skip-memory': { type: 'boolean', default: false },
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
const client: KinesisClient = createKinesisClient(config, { retryLayer: 'ours' });
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
for (const s of ['bench-a', 'bench-b', 'bench-c', 'bench-d']) await createStream(client, s, SHARDS);
const map = buildShardMap(await kinesisWritePortFrom(client).listShards('bench-a'));
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

// (e) Through the limit proxy at AWS limits: sustained bytes/s per shard, zero loss; at the producer's
// default rate limit and above it, and under on-demand resharding in the faithful proxy.
const limitSecs = Number(values['limit-seconds']);
const limitEvents = Math.round((limitSecs * SHARDS * 1_000_000) / (avgBytes + 40));
const ratePercents = values['rate-percents'].split(',').map(Number);
const onDemandPercent = Number(values['on-demand-rate-percent']);
const eRows: string[] = [];
let eRun = 0;

/**
 * One producer run through the proxy. A shard's sustained rate is the Kinesis bytes (data + partition
 * key, what the limit counts) that arrived on it, less one second's worth (the proxy's bucket starts
 * full: whatever the ramp-up, at most 1 MB more than 1 MB/s × time can ever pass), divided by the time
 * from its first to its last arrival — each shard over its own busy time, so neither an uneven spread
 * of users nor a child shard created half-way counts idle time against it. It can exceed 100% only by
 * the skew between the proxy's admission and kinesalite's arrival stamp (up to ~2% on a loaded machine).
 */
async function limitRun(label: string, ratePercent: number, onDemand?: OnDemandOptions): Promise<void> {
  const stream = `bench-e${++eRun}`;
  await createStream(client, stream, SHARDS);
  const proxy = await startLimitProxy({ upstream: endpoint, port: 0, ...(onDemand ? { faithful: { onDemand } } : {}) });
  const watch = path.join(dir, `watch-${stream}`);
  await writeGeneratedFiles({ files: 10, rows: Math.ceil(limitEvents / 10), users: USERS, seed: 12 + eRun, duplicates: 0, startMs: 0, intervalMs: 0, generatedDir: path.join(dir, `gen-${stream}`), watchDir: watch });
  const expected = Math.ceil(limitEvents / 10) * 10;
  const t0 = performance.now();
  await produceCommand(stream, watch, [], { CENTOS_PRODUCER_RATE_LIMIT_PERCENT: String(ratePercent) }, proxy.endpoint);
  const secs = (performance.now() - t0) / 1000;
  await proxy.close();
  const view = await readStreamView(client, stream);
  const distinct = new Set(view.events.map((x) => x.event.eventId)).size;
  const records = new Map<string, { shardId: string; at: number; bytes: number }>();
  for (const x of [...view.events, ...view.dropped]) records.set(`${x.shardId}/${x.sequenceNumber}`, { shardId: x.shardId, at: x.arrivedAt, bytes: x.raw.length + Buffer.byteLength(x.recordKey) });
  const byShard = new Map<string, Array<{ at: number; bytes: number }>>();
  for (const r of records.values()) (byShard.get(r.shardId) ?? byShard.set(r.shardId, []).get(r.shardId)!).push(r);
  const rates: number[] = [];
  for (const rs of byShard.values()) {
    const first = Math.min(...rs.map((r) => r.at));
    const last = Math.max(...rs.map((r) => r.at));
    // Shards busy for under 3 s say little about a sustained rate.
    if (last - first < 3000) continue;
    const bytes = rs.reduce((n, r) => n + r.bytes, 0);
    rates.push((bytes - 1_000_000) / ((last - first) / 1000));
  }
  rates.sort((x, y) => x - y);
  const pct = (x: number) => `${((x / 1_000_000) * 100).toFixed(0)}%`;
  eRows.push(
    `(e) ${label}, producer.rateLimitPercent ${ratePercent}: ${expected.toLocaleString('en-US')} events in ${secs.toFixed(1)} s; ${byShard.size} shards written` +
      (onDemand ? ` (${proxy.stats.onDemandSplits} on-demand splits, ${proxy.stats.onDemandMerges} merges)` : '') +
      `; sustained per shard (${rates.length} busy ≥ 3 s) ${rates.map(pct).join(' / ')} of 1 MB/s, mean ${pct(rates.reduce((n, x) => n + x, 0) / Math.max(1, rates.length))}` +
      `; stream ${([...records.values()].reduce((n, r) => n + r.bytes, 0) / 1e6 / secs).toFixed(2)} MB/s; throttled records ${proxy.stats.throttledRecords}; misplaced copies (KCL drops) ${view.dropped.length}; missing ${expected - distinct}`,
  );
  console.error(`  ${eRows.at(-1)}`);
}
for (const p of ratePercents) await limitRun('limit proxy at AWS limits, 4 fixed shards', p);
// On-demand: every 2 s the hottest shard is split while it takes over 500 KB/s, up to 6 shards (more
// would spread one producer process over more capacity than this machine can fill).
await limitRun('faithful proxy, on-demand resharding (4 → up to 6 shards)', onDemandPercent, { intervalMs: 2000, splitAboveBytesPerSec: 500_000, mergeBelowBytesPerSec: 0, maxShards: 6 });

// (f) Memory: the real binary, 1M events in the watch dir, Kinesis unreachable.
const memEvents = Number(values['memory-events']);
const memSecs = Number(values['memory-seconds']);
let maxRss = 0;
let filesLeft = 0;
if (!values['skip-memory']) {
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
for (let i = 0; i < memSecs; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  maxRss = Math.max(maxRss, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
child.kill('SIGTERM');
await new Promise((r) => child.once('close', r));
filesLeft = (await readdir(watchF)).length;
}

kChild.kill('SIGTERM');
client.destroy();
await rm(dir, { recursive: true, force: true });

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`\n| scenario | events/s | MB/s | client CPU ms / 1k events |\n|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.name} | ${fmt(N / r.secs)} | ${((totalMB / r.secs)).toFixed(1)} | ${((r.cpuMs / r.events) * 1000).toFixed(1)} |`);
console.log(`\nratio (d)/(b) = ${(b.secs / d.secs).toFixed(2)}  (target ≥ 1.0)`);
console.log(`ratio (c)/(a) = ${(a.secs / c.secs).toFixed(2)}  (target ≥ 1.0)`);
console.log('');
for (const r of eRows) console.log(r);
if (!values['skip-memory']) console.log(`(f) memory: ${memEvents.toLocaleString('en-US')} events waiting, Kinesis unreachable for ${memSecs} s: max RSS ${maxRss.toFixed(0)} MB (target ≤ 300); files left in watch ${filesLeft}/100`);
