/**
 * End-to-end latency on the faithful local Kinesis (AWS read and write limits enforced), 4 shards:
 * the bench writes a file of `--file-events` events into paths.watch at a steady `--rate` for
 * `--seconds`; `bin/centos produce`, two `bin/centos consume --role dashboard` and one
 * `bin/centos consume --role archive` run as their own processes on one MariaDB database.
 *
 * Per event, latency = dashboard (or archive) commit − the moment the producer read its file.
 *   - read: the producer's own debug log line "file read; sending its events" (pino `time`, ms),
 *     written after the file is parsed and before its first event is queued;
 *   - commit, lower bound: the batch's timestamp written inside its fenced transaction
 *     (events.ingested_at; archive_manifest.committed_at), taken inside the transaction before its statements;
 *   - commit, upper bound: the first of the bench's polls (every --poll-ms) that saw that timestamp's
 *     rows, so after the commit. The commit lies between the two: both are reported.
 * All clocks are this machine's one clock. Each archive commit is mapped to events through the
 * events' stream positions (events.shard_id/seq/sub inside an object's first..last range).
 * Stages: after the run the bench reads the stream from kinesalite itself (behind the proxy, so no
 * limits) for each record's ApproximateArrivalTimestamp (ms), so each event's lower bound splits
 * into read → arrival (the producer: linger, PutRecords) and arrival → commit (the consumer:
 * polling pacing or the EFO push, the batch, the transaction).
 *
 * `--modes polling,efo` (the default) runs the whole pipeline once per consumer mode, one after the
 * other, each on a fresh stack and database with the same load and duration: polling (paced
 * GetRecords) and enhanced fan-out (SubscribeToShard, consumerMode.dashboard/archive = efo), then
 * prints the ratios polling / EFO.
 * Run: npm run bench:latency  [-- --modes polling,efo --rate 2000 --seconds 60 --file-events 200 --poll-ms 100 --archive-flush-age-ms 60000 --read-interval-ms 1000 --efo-poll-ms 50 --mysql URL]
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createKinesisClient } from '../src/aws/awsClients.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { comparePosition } from '../src/kinesis/position.ts';
import { LeaseStore } from '../src/coordinator/LeaseStore.ts';
import { DemoProcesses } from '../src/demo/DemoProcesses.ts';
import { embeddedPipelineEnv } from '../src/demo/embeddedPipelineEnv.ts';
import { startEmbeddedStack } from '../src/demo/startEmbeddedStack.ts';
import { serializeEvent } from '../src/events/eventSchema.ts';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { createLogger } from '../src/log/createLogger.ts';
import type { ConsumerMode } from '../src/kinesis/efo/planConsumerPrune.ts';
import { packageRoot } from '../src/packageRoot.ts';
import { runSetup } from '../src/setup/runSetup.ts';
import { openMysqlStore } from '../src/store/mysqlStore.ts';
import { openStore } from '../src/store/openStore.ts';
import { waitFor } from '../test/helpers/waitFor.ts';
import { fmt } from './support/benchKit.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
    'file-events': { type: 'string', default: '200' },
    'poll-ms': { type: 'string', default: '100' },
    'archive-flush-age-ms': { type: 'string', default: '60000' },
    'read-interval-ms': { type: 'string' },
    modes: { type: 'string', default: 'polling,efo' },
    'efo-poll-ms': { type: 'string', default: '50' },
    mysql: { type: 'string', default: process.env.CENTOS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
  },
});
const RATE = Number(values.rate);
const PER_FILE = Number(values['file-events']);
const FILES = Math.max(1, Math.round((RATE * Number(values.seconds)) / PER_FILE));
const N = FILES * PER_FILE;
const FILE_EVERY_MS = (PER_FILE / RATE) * 1000;
const POLL_MS = Number(values['poll-ms']);
const EFO_POLL_MS = Number(values['efo-poll-ms']);
const MODES = values.modes.split(',').map((m) => m.trim());
for (const m of MODES) if (m !== 'polling' && m !== 'efo') throw new Error(`--modes: "${m}" is not a consumer mode (polling, efo)`);
const log = createLogger({ level: 'silent', pretty: false });

/** One mode's latencies (ms, per event; per file for watch). */
interface ModeResult {
  dashLow: number[];
  dashHigh: number[];
  archLow: number[];
  archHigh: number[];
  watch: number[];
  produce: number[];
  consume: number[];
}

const sorted = (xs: number[]) => xs.filter(Number.isFinite).sort((a, b) => a - b);
const quantile = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
const q = (xs: number[], what = 'events') => {
  const s = sorted(xs);
  return `p50 ${fmt(quantile(s, 0.5)).padStart(6)}  p95 ${fmt(quantile(s, 0.95)).padStart(6)}  p99 ${fmt(quantile(s, 0.99)).padStart(6)}  max ${fmt(s.at(-1)!).padStart(6)} ms  (${fmt(s.length)} ${what})`;
};

/** Each record's ApproximateArrivalTimestamp (ms) by sequence number, read from kinesalite directly (no proxy, no limits). */
async function arrivalTimes(endpoint: string, stream: string): Promise<Map<string, number>> {
  const kinesis = createKinesisClient(loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': endpoint } }).config);
  const at = new Map<string, number>();
  for (const s of (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const rec of r.Records ?? []) at.set(rec.SequenceNumber!, rec.ApproximateArrivalTimestamp!.getTime());
      if (!r.Records?.length) break;
      it = r.NextShardIterator;
    }
  }
  kinesis.destroy();
  return at;
}

/** The whole pipeline once, every consumer reading in `mode`. */
async function runMode(mode: ConsumerMode): Promise<ModeResult> {
  const dir = await mkdtemp(path.join(tmpdir(), `centos-bench-latency-${mode}-`));

  const dbName = `centos_bench_${randomBytes(4).toString('hex')}`;
  const server = openMysqlStore(values.mysql, { database: null, connectionLimit: 1 });
  await server.execute(`CREATE DATABASE ${dbName}`);
  const dbUrl = Object.assign(new URL(values.mysql), { pathname: `/${dbName}` }).toString();
  const stack = await startEmbeddedStack(dir, log, { efo: { pollMs: EFO_POLL_MS } });
  const extra: NodeJS.ProcessEnv = {
    ...(values['read-interval-ms'] ? { CENTOS_COORDINATOR_READ_INTERVAL_MS: values['read-interval-ms'] } : {}),
    CENTOS_CONSUMER_MODE_DASHBOARD: mode,
    CENTOS_CONSUMER_MODE_ARCHIVE: mode,
  };
  const env = embeddedPipelineEnv({ stack, dir, dbUrl, name: 'centos-latency', shards: 4, archiveFlushAgeMs: Number(values['archive-flush-age-ms']), extra });
  const settings = loadConfig({ env, flags: {} });
  const c = settings.config;
  await runSetup(settings, { log });
  const store = openStore(dbUrl);
  const leases = new LeaseStore(store);
  const logs = path.join(dir, 'logs');
  for (const d of [logs, c.paths.generated, c.paths.watch]) await mkdir(d, { recursive: true });
  const self = { command: process.execPath, args: [path.join(packageRoot(), 'bin', 'centos')] };
  const workers = new DemoProcesses(env, logs, log, self);
  // Debug level for the producer only: its "file read" line is the start of every event's latency.
  const producer = new DemoProcesses({ ...env, CENTOS_LOG_LEVEL: 'debug' }, logs, log, self);
  // A failed wait leaves no centos process behind (a clean run has stopped them all by then).
  process.once('exit', () => {
    for (const p of [...workers.all.values(), ...producer.all.values()]) p.child.kill('SIGKILL');
  });

  const pacedMs = Math.max(c.coordinator.readIntervalMs, 1000 / (c.coordinator.shardReadCallsPerSec * c.coordinator.readShare));
  console.log(`\n${mode === 'polling' ? 'polling (paced GetRecords)' : 'enhanced fan-out (SubscribeToShard)'}: consumerMode.dashboard = consumerMode.archive = ${mode}`);
  if (mode === 'efo') console.log(`  settings: the faithful proxy pushes new records within faithful.efo.pollMs ${EFO_POLL_MS} ms, 2 MiB/s per consumer per shard; idle read n/a; producer.lingerMs ${c.producer.lingerMs}, producer.settleMs ${c.producer.settleMs}, archive flush ${c.archive.flushBytes / 1048576} MiB / ${c.archive.flushAgeMs / 1000} s, bench poll ${POLL_MS} ms`);
  else console.log(`  settings: read pacing ${pacedMs} ms per shard per worker (coordinator.readIntervalMs ${c.coordinator.readIntervalMs}, readShare ${c.coordinator.readShare}), idle read ${c.coordinator.idleReadMs}–${c.coordinator.idleReadMaxMs} ms, producer.lingerMs ${c.producer.lingerMs}, producer.settleMs ${c.producer.settleMs}, archive flush ${c.archive.flushBytes / 1048576} MiB / ${c.archive.flushAgeMs / 1000} s, bench poll ${POLL_MS} ms`);

  workers.start('dashboard-1', ['consume', '--role', 'dashboard']);
  workers.start('dashboard-2', ['consume', '--role', 'dashboard']);
  workers.start('archive-1', ['consume', '--role', 'archive']);
  const ownersOf = async (app: string) => (await leases.listLeases(app)).filter((l) => l.owner !== null && l.state === 'active').map((l) => l.owner!);
  await waitFor('4 archive leases held and the dashboard leases split between 2 workers', async () => {
    const d = await ownersOf(c.apps.dashboard);
    return (await ownersOf(c.apps.archive)).length === 4 && d.length === 4 && new Set(d).size === 2;
  }, 120_000);
  producer.start('produce', ['produce']);
  const produceLog = path.join(logs, 'produce.log');
  await waitFor('the producer to start watching', async () => (await readFile(produceLog, 'utf8').catch(() => '')).includes('"producing"'), 60_000);

  /** First poll time at which rows with each batch timestamp were visible (the batch had committed by then). */
  function pollCommits(sql: string): { seen: Map<number, number>; stop: () => Promise<void> } {
    const seen = new Map<number, number>();
    let on = true;
    const loop = (async () => {
      while (on) {
        const at = Date.now();
        for (const r of await store.query<{ ts: number | string }>(sql, [at - 120_000])) if (!seen.has(Number(r.ts))) seen.set(Number(r.ts), at);
        await delay(POLL_MS);
      }
    })();
    return { seen, stop: async () => ((on = false), await loop) };
  }
  const dashPoll = pollCommits('SELECT DISTINCT ingested_at AS ts FROM events WHERE ingested_at > ?');
  const archPoll = pollCommits('SELECT DISTINCT committed_at AS ts FROM archive_manifest WHERE committed_at > ?');

  // The steady producer of files: each written to paths.generated, then renamed into paths.watch on its tick.
  const gen = new EventGenerator({ seed: 16, users: 2000, duplicates: 0, startMs: Date.now() });
  const fileOf = new Map<string, string>();
  const writtenAt = new Map<string, number>();
  const t0 = Date.now();
  for (let i = 0; i < FILES; i++) {
    const name = `latency-${String(i).padStart(6, '0')}.json`;
    const events = Array.from({ length: PER_FILE }, () => gen.next());
    for (const e of events) fileOf.set(e.eventId, name);
    const staged = path.join(c.paths.generated, name);
    await writeFile(staged, `[${events.map(serializeEvent).join('\n,')}]\n`);
    const wait = t0 + i * FILE_EVERY_MS - Date.now();
    if (wait > 0) await delay(wait);
    await rename(staged, path.join(c.paths.watch, name));
    writtenAt.set(name, Date.now());
  }
  const writeSecs = (Date.now() - t0) / 1000;
  console.log(`  wrote ${fmt(N)} events in ${writeSecs.toFixed(1)} s (${fmt(N / writeSecs)} events/s)`);

  const count = async (sql: string, params: unknown[] = []) => Number((await store.query<{ n: number | string | null }>(sql, params))[0]?.n ?? 0);
  await waitFor('the dashboard to apply every event', async () => (await count('SELECT COUNT(*) AS n FROM events')) >= N, 300_000);
  await waitFor('the archive to commit every event', async () => (await count('SELECT SUM(record_count) AS n FROM archive_manifest WHERE app = ?', [c.apps.archive])) >= N, c.archive.flushAgeMs + 300_000);
  await delay(2 * POLL_MS);
  await dashPoll.stop();
  await archPoll.stop();

  const readAt = new Map<string, number>();
  for (const line of (await readFile(produceLog, 'utf8')).split('\n')) {
    if (!line.includes('file read; sending its events')) continue;
    const o = JSON.parse(line) as { time: number; file: string };
    const name = path.basename(o.file);
    if (!readAt.has(name)) readAt.set(name, o.time);
  }
  const rows = await store.query<{ event_id: string; ingested_at: number | string; shard_id: string; seq: string; sub: number | string }>('SELECT event_id, ingested_at, shard_id, seq, sub FROM events');
  const objects = await store.query<{ shard_id: string; first_seq: string; first_sub: number | string; last_seq: string; last_sub: number | string; committed_at: number | string }>(
    'SELECT shard_id, first_seq, first_sub, last_seq, last_sub, committed_at FROM archive_manifest WHERE app = ?',
    [c.apps.archive],
  );
  const byShard = new Map<string, typeof objects>();
  for (const o of objects) byShard.set(o.shard_id, [...(byShard.get(o.shard_id) ?? []), o]);
  const pos = (seq: string, sub: number | string) => ({ seq, sub: Number(sub) });
  const archiveCommit = (shard: string, at: { seq: string; sub: number }) =>
    byShard.get(shard)?.find((o) => comparePosition(pos(o.first_seq, o.first_sub), at) <= 0 && comparePosition(at, pos(o.last_seq, o.last_sub)) <= 0)?.committed_at;

  const arrivals = await arrivalTimes(stack.kinesaliteEndpoint, c.stream.name);
  const lat: ModeResult = { dashLow: [], dashHigh: [], archLow: [], archHigh: [], watch: [], produce: [], consume: [] };
  let unmatched = 0;
  for (const r of rows) {
    const file = fileOf.get(r.event_id);
    const read = file === undefined ? undefined : readAt.get(file);
    const archived = archiveCommit(r.shard_id, pos(r.seq, r.sub));
    if (read === undefined || archived === undefined) {
      unmatched++;
      continue;
    }
    const applied = Number(r.ingested_at);
    lat.dashLow.push(applied - read);
    lat.dashHigh.push((dashPoll.seen.get(applied) ?? NaN) - read);
    lat.archLow.push(Number(archived) - read);
    lat.archHigh.push((archPoll.seen.get(Number(archived)) ?? NaN) - read);
    const arrival = arrivals.get(r.seq) ?? NaN;
    lat.produce.push(arrival - read);
    lat.consume.push(applied - arrival);
  }
  for (const [name, at] of readAt) lat.watch.push(at - writtenAt.get(name)!);

  console.log('  latency from the producer reading the event\'s file (ms):');
  console.log(`    to dashboard commit  ≥ ${q(lat.dashLow)}`);
  console.log(`                         ≤ ${q(lat.dashHigh)}`);
  console.log(`    to archive commit    ≥ ${q(lat.archLow)}`);
  console.log(`                         ≤ ${q(lat.archHigh)}`);
  console.log(`    stages of the dashboard's lower bound: read → Kinesis arrival (producer) ${q(lat.produce)}`);
  console.log(`                                           arrival → commit (consumer) ${q(lat.consume)}`);
  console.log(`  file renamed into paths.watch → producer read (settle and watch, per file): ${q(lat.watch, 'files')}`);
  if (unmatched) console.log(`  WARNING: ${unmatched} events without a producer read time or an archive object`);
  console.log(`  ${objects.length} archive objects; logs in ${logs}`);
  const p = stack.proxy?.stats;
  if (p) console.log(`  faithful proxy: ${fmt(p.getRecords)} GetRecords (${p.getRecordsThrottledCalls + p.getRecordsThrottledBytes} throttled); ${p.subscriptions} subscriptions, ${fmt(p.efoRecords)} records pushed in ${fmt(p.efoEvents)} events`);

  await Promise.all([producer.stop(), workers.stop()]);
  await store.close();
  await server.execute(`DROP DATABASE ${dbName}`);
  await server.close();
  await stack.close();
  return lat;
}

console.log(`latency benchmark: ${fmt(RATE)} events/s for ${values.seconds} s (${FILES} files of ${PER_FILE}, one every ${FILE_EVERY_MS.toFixed(0)} ms), 4 shards, faithful local Kinesis, MariaDB; consumer modes ${MODES.join(', ')} one after the other, same load`);
const results = new Map<string, ModeResult>();
for (const mode of MODES) results.set(mode, await runMode(mode as ConsumerMode));
const polling = results.get('polling');
const efo = results.get('efo');
if (polling && efo) {
  console.log('\nsame run, polling / EFO (producer read → dashboard commit, per event):');
  for (const [name, pick] of [['lower bound', (r: ModeResult) => r.dashLow], ['upper bound', (r: ModeResult) => r.dashHigh], ['arrival → commit', (r: ModeResult) => r.consume]] as const) {
    const a = sorted(pick(polling));
    const b = sorted(pick(efo));
    const cell = (p: number) => `${fmt(quantile(a, p))} / ${fmt(quantile(b, p))} ms = ${(quantile(a, p) / quantile(b, p)).toFixed(2)}×`;
    console.log(`  ${name.padEnd(17)} p50 ${cell(0.5)}   p95 ${cell(0.95)}   p99 ${cell(0.99)}   max ${fmt(a.at(-1)!)} / ${fmt(b.at(-1)!)} ms`);
  }
  const efoP99 = quantile(sorted(efo.dashHigh), 0.99);
  console.log(`  EFO p99 to dashboard commit (upper bound) ${fmt(efoP99)} ms: target ≤ 500 ms ${efoP99 <= 500 ? 'met' : 'NOT met'}`);
}
process.exit(0);
