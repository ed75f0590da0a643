/**
 * Coordinator benchmarks, in one run on one kinesalite (its own process), 4 shards:
 *   1. read throughput from a backlog: a bare GetRecords loop vs runConsumer with a no-op processor that
 *      checkpoints every batch (fenced commit in SQLite) — plain records, then KPL-aggregated records;
 *      each in its own process, with its peak RSS;
 *   2. fail-over: kill -9 of a worker → its shards processed again by the other (lease 10 s and 3 s);
 *   3. graceful hand-off: SIGTERM → the other worker processes those shards.
 * Run: npm run bench:consume  [-- --events 200000]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { ensureStream } from '../src/setup/ensureStream.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/openStore.ts';
import { fillStream, fmt, runChild, startKinesaliteChild, startWorkerChild } from './support/benchKit.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' } } });
const N = Number(values.events);
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-consume-'));
const k = await startKinesaliteChild();
const gen = new EventGenerator({ seed: 3, users: 1000, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const events = Array.from({ length: N }, () => gen.next());

async function freshDb(name: string): Promise<string> {
  const url = `sqlite:${path.join(dir, `${name}.db`)}`;
  const s = openStore(url);
  await migrate(s);
  await s.close();
  return url;
}

console.log(`consume benchmark: ${fmt(N)} events (~${Math.round(events.reduce((a, e) => a + JSON.stringify(e).length, 0) / N)} B each), 4 shards`);
process.stdout.write('filling streams… ');
await fillStream(k.kinesis, 'plain', 4, events);
await fillStream(k.kinesis, 'agg', 4, events, 50 * 1024);
console.log('done');

const results: Array<{ name: string; events: number; seconds: number; rss: number }> = [];
for (const [stream, label] of [['plain', 'plain records'], ['agg', 'KPL aggregates (~50 KiB)']] as const) {
  const loop = await runChild(['plain', stream, k.endpoint, '-', String(N)]);
  const rt = await runChild(['noop', stream, k.endpoint, await freshDb(`noop-${stream}`), String(N)]);
  results.push({ name: `bare GetRecords loop, ${label}`, events: Number(loop.events), seconds: Number(loop.seconds), rss: Number(loop.maxRssMb) });
  results.push({ name: `runConsumer no-op + checkpoint, ${label}`, events: Number(rt.events), seconds: Number(rt.seconds), rss: Number(rt.maxRssMb) });
}
console.log('\n1. read throughput');
for (const r of results) console.log(`  ${r.name.padEnd(52)} ${fmt(r.events / r.seconds).padStart(9)} events/s   peak RSS ${r.rss} MB`);
const ratio = (i: number) => (results[i + 1]!.events / results[i + 1]!.seconds / (results[i]!.events / results[i]!.seconds)).toFixed(2);
console.log(`  ratio runtime / loop: plain ${ratio(0)}, aggregated ${ratio(2)}   (target ≥ 0.9)`);

async function handoff(stream: string, leaseMs: number, how: 'SIGKILL' | 'SIGTERM'): Promise<number> {
  await ensureStream(k.kinesis, { name: stream, shards: 4, retentionHours: 24, pollMs: 20 });
  const db = await freshDb(`${stream}`);
  let trickle = true;
  const g = new EventGenerator({ seed: 9, users: 200, duplicates: 0, startMs: 0 });
  const pump = (async () => {
    while (trickle) {
      const batch = Array.from({ length: 100 }, () => g.next()).map((e) => ({ PartitionKey: e.userid, Data: Buffer.from(JSON.stringify(e)) }));
      await k.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: batch }));
      await delay(50);
    }
  })();
  const seenA = new Set<string>();
  const bBatches: Array<{ t: number; shard: string }> = [];
  const a = startWorkerChild([stream, k.endpoint, db, '0', String(leaseMs)], (o) => typeof o.shard === 'string' && seenA.add(o.shard));
  while (seenA.size < 4) await delay(50);
  const b = startWorkerChild([stream, k.endpoint, db, '0', String(leaseMs)], (o) => typeof o.shard === 'string' && bBatches.push({ t: Number(o.t), shard: o.shard }));
  // Wait until B has its balanced share (it steals one per planner cycle).
  while (new Set(bBatches.map((x) => x.shard)).size < 2) await delay(50);
  await delay(1_000);
  const bShards = new Set(bBatches.map((x) => x.shard));
  const aShards = [...seenA].filter((s) => !bShards.has(s));
  const t0 = Date.now();
  a.kill(how);
  const since = () => bBatches.filter((x) => x.t >= t0);
  while (!aShards.every((s) => since().some((x) => x.shard === s))) await delay(20);
  const took = Math.max(...aShards.map((s) => since().find((x) => x.shard === s)!.t)) - t0;
  trickle = false;
  await pump;
  b.kill('SIGTERM');
  return took;
}

console.log('\n2. fail-over after kill -9 (until the dead worker\'s shards are processed again)');
for (const leaseMs of [10_000, 3_000]) console.log(`  lease ${leaseMs / 1000} s: ${fmt(await handoff(`failover-${leaseMs}`, leaseMs, 'SIGKILL'))} ms   (target ≤ lease + 1 s)`);
console.log('\n3. graceful hand-off after SIGTERM');
console.log(`  lease 10 s: ${fmt(await handoff('handoff', 10_000, 'SIGTERM'))} ms   (target ≤ 2 s)`);
k.stop();
k.kinesis.destroy();
process.exit(0);
