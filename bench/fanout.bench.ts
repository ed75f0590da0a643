/**
 * Three applications reading one 4-shard stream, in one run: first all by polling, then all by
 * enhanced fan-out. The stream holds a backlog of KPL aggregates in one kinesalite (its own
 * process), read through the faithful local proxy, which enforces AWS's read limits: 5 GetRecords
 * calls and 2 MiB/s per shard shared by every polling reader, and for each registered consumer
 * its own 2 MiB/s per shard (SubscribeToShard).
 *   0. one application alone by enhanced fan-out: what this machine delivers to one consumer;
 *   1. polling: each application runs with coordinator.readShare 1/3 (the three sum to the shard's limits);
 *   2. enhanced fan-out: each application its own consumer, consumerMode efo.
 * Each application is the consumer runtime (runConsumer) in its own process with a processor that
 * counts and checkpoints (bench/support/fanoutChild.ts), started at the same time as the others
 * on a fresh proxy. Per application and shard, its rate = (Kinesis bytes it read − its one-second
 * burst) / (its last batch − when its reading of the shard began: the first SubscribeToShard, or
 * the first GetRecords), as a % of the 2 MiB/s limit. The proxy's buckets start full, so each
 * application may take one second's worth above its rate at the start (EFO: its own 2 MiB;
 * polling: its share of the shared bucket). Windows that start at the first batch overstate an
 * EFO consumer: events pushed while it starts up wait in the HTTP/2 buffers and come in its first
 * batches faster than they were pushed.
 * Run: npm run bench:fanout  [-- --mib-per-shard 12 --shard-kib-per-sec 2048]
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHARD_READ_BYTES_PER_SEC } from '../src/kinesis/paceRead.ts';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import type { ConsumerMode } from '../src/kinesis/efo/planConsumerPrune.ts';
import { startLimitProxy, type LimitProxy } from '../src/local/startLimitProxy.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/openStore.ts';
import { fillStream, fmt, startKinesaliteChild } from './support/benchKit.ts';

const { values } = parseArgs({ options: { 'mib-per-shard': { type: 'string', default: '12' }, 'shard-kib-per-sec': { type: 'string', default: '2048' }, apps: { type: 'string', default: '3' } } });
// The shard's byte limit: AWS's 2 MiB/s by default; a lower one shows the sharing where this machine, not the limit, would otherwise be the ceiling.
const LIMIT = Number(values['shard-kib-per-sec']) * 1024;
const APPS = Number(values.apps);
const SHARDS = 4;
const MiB = 1024 * 1024;
const k = await startKinesaliteChild();
const gen = new EventGenerator({ seed: 15, users: 5000, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const sample = JSON.stringify(gen.next()).length;
const events = Array.from({ length: Math.ceil((Number(values['mib-per-shard']) * MiB * SHARDS) / sample) }, () => gen.next());
console.log(`fan-out benchmark: ${APPS} applications reading one ${SHARDS}-shard stream, backlog ~${values['mib-per-shard']} MiB per shard (${fmt(events.length)} events in ~50 KiB aggregates), faithful proxy: 5 calls/s and ${(LIMIT / MiB).toFixed(2)} MiB/s per shard shared by the polling readers, ${(LIMIT / MiB).toFixed(2)} MiB/s per shard per EFO consumer${LIMIT === SHARD_READ_BYTES_PER_SEC ? ' (AWS)' : ' (scaled down from AWS 2 MiB/s)'}`);
process.stdout.write('filling the stream… ');
await fillStream(k.kinesis, 'backlog', SHARDS, events, 50 * 1024);
console.log('done');
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-fanout-'));

interface ShardTimes {
  firstAt: number;
  firstBytes: number;
  lastAt: number;
  bytes: number;
  startAt?: number;
}
interface AppReport {
  app: string;
  events: number;
  getRecordsCalls: number;
  readsThrottled: number;
  shards: Record<string, ShardTimes>;
}

function runApp(app: string, mode: ConsumerMode, proxy: LimitProxy, share: number): Promise<AppReport> {
  return (async () => {
    const db = path.join(dir, `${app}-${mode}.db`);
    const s = openStore(`sqlite:${db}`);
    await migrate(s);
    await s.close();
    const args = [app, mode, 'backlog', proxy.endpoint, db, String(events.length), String(share), String(LIMIT)];
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./support/fanoutChild.ts', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`${app} (${mode}) exited ${code}`);
    return JSON.parse(out.trim().split('\n').pop()!) as AppReport;
  })();
}

const pct = (bps: number) => `${((bps / LIMIT) * 100).toFixed(1)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Per shard: bytes less the application's one-second burst, over the time from the start of its reading to its last batch. */
const rates = (r: AppReport, share: number) => Object.values(r.shards).map((s) => Math.max(0, s.bytes - share * LIMIT) / Math.max(0.001, (s.lastAt - (s.startAt ?? s.firstAt)) / 1000));

async function phase(mode: ConsumerMode, share: number, apps = APPS, prefix = 'fanout-app'): Promise<number> {
  const proxy = await startLimitProxy({ upstream: k.endpoint, port: 0, faithful: { readLimits: { callsPerSec: 5, bytesPerSec: LIMIT }, efo: { bytesPerSec: LIMIT } } });
  const t0 = performance.now();
  const reports = await Promise.all(Array.from({ length: apps }, (_, i) => runApp(`${prefix}-${i + 1}`, mode, proxy, share)));
  const secs = (performance.now() - t0) / 1000;
  let total = 0;
  for (const r of reports) {
    const x = rates(r, share);
    total += mean(x);
    console.log(`  ${r.app}  ${(mean(x) / MiB).toFixed(2)} MiB/s per shard = ${pct(mean(x))} of the shard limit (shards ${x.map(pct).join(' / ')})   ${fmt(r.events)} events, ${fmt(r.getRecordsCalls)} GetRecords calls, ${r.readsThrottled} throttled`);
  }
  const s = proxy.stats;
  const throttled = s.getRecordsThrottledCalls + s.getRecordsThrottledBytes + s.getShardIteratorThrottled;
  console.log(`  together: ${(total / MiB).toFixed(2)} MiB/s per shard = ${pct(total)} of one shard's limit; ${secs.toFixed(1)} s for ${apps === 1 ? 'it' : `all ${apps}`} to finish (process start-up included)`);
  console.log(
    mode === 'polling'
      ? `  proxy: ${fmt(s.getRecords)} GetRecords, ${throttled} throttled; max ${proxy.maxReadCallsInAnySecond()} calls asked on a shard in any 1-s window (limit 5)`
      : `  proxy: ${s.consumersRegistered} consumers, ${s.subscriptions} subscriptions (${s.subscribeLimited} over 1/s, ${s.subscribeInUse} in use), ${fmt(s.efoRecords)} records (${(s.efoBytes / MiB).toFixed(1)} MiB) pushed, ${fmt(s.efoBudgetWaits)} turns waiting on a consumer's byte budget; ${fmt(s.getRecords)} GetRecords`,
  );
  await proxy.close();
  return total;
}

console.log('\n0. one application alone by enhanced fan-out (what this machine delivers to one consumer: the ceiling for the rows below)');
await phase('efo', 1, 1, 'fanout-alone');
console.log(`\n1. polling: ${APPS} applications, coordinator.readShare 1/${APPS} each (readIntervalMs 200)`);
const polled = await phase('polling', 1 / APPS);
console.log(`\n2. enhanced fan-out: ${APPS} applications, one registered consumer each`);
const pushed = await phase('efo', 1);
console.log(`\nsame run: together EFO / polling = ${(pushed / polled).toFixed(2)}× (${pct(pushed)} vs ${pct(polled)} of one shard's limit; ideal ${APPS}×: ${APPS * 100}% vs 100%)`);
k.stop();
process.exit(0);
