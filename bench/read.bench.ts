/**
 * Read pacing benchmark, in one run on one kinesalite (its own process), 4 shards holding a backlog
 * of KPL aggregates, read through a proxy that enforces AWS's per-shard read limits (5 GetRecords
 * calls in any second, 2 MiB/s, shared by every reader; over-limit calls answered with
 * ProvisionedThroughputExceededException): the faithful local proxy, src/local/startLimitProxy.ts.
 *   1. one application (coordinator.readShare 1) reads the backlog: target ≥ 90% of 2 MiB/s per shard, ≤ 5 calls/s per shard;
 *   2. two applications (readShare 0.5 each) read it at once: together within the limits, each ≥ 40%.
 * Each application is the consumers' own ShardReader per shard (pacing, throttling, de-aggregation).
 * Run: npm run bench:read  [-- --mib-per-shard 16 --shard-kib-per-sec 2048]
 */
import { parseArgs } from 'node:util';
import { createKinesisClient } from '../src/aws/awsClients.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { SHARD_READ_BYTES_PER_SEC } from '../src/kinesis/paceRead.ts';
import { createReadCounters, ShardReader, type ReaderOptions } from '../src/kinesis/ShardReader.ts';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { sdkKinesisReadPort } from '../src/kinesis/KinesisReadPort.ts';
import { startLimitProxy, type LimitProxy } from '../src/local/startLimitProxy.ts';
import { createLogger } from '../src/log/createLogger.ts';
import { fillStream, fmt, startKinesaliteChild } from './support/benchKit.ts';

const { values } = parseArgs({ options: { 'mib-per-shard': { type: 'string', default: '16' }, 'shard-kib-per-sec': { type: 'string', default: '2048' } } });
// The shard's byte limit: AWS's 2 MiB/s by default; a lower one (same pacing rules, proportionally) shows the pacing where this machine, not the limit, would otherwise be the ceiling.
const LIMIT = Number(values['shard-kib-per-sec']) * 1024;
const SHARDS = 4;
const MiB = 1024 * 1024;
const perShard = Number(values['mib-per-shard']) * MiB;
const k = await startKinesaliteChild();
const gen = new EventGenerator({ seed: 5, users: 5000, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const sample = JSON.stringify(gen.next()).length;
const events = Array.from({ length: Math.ceil((perShard * SHARDS) / sample) }, () => gen.next());
console.log(`read benchmark: ${SHARDS} shards, backlog ~${values['mib-per-shard']} MiB per shard (${fmt(events.length)} events in ~50 KiB aggregates), limits 5 calls/s and ${(LIMIT / MiB).toFixed(2)} MiB/s per shard${LIMIT === SHARD_READ_BYTES_PER_SEC ? ' (AWS)' : ' (scaled down from AWS 2 MiB/s)'}`);
process.stdout.write('filling the stream… ');
await fillStream(k.kinesis, 'backlog', SHARDS, events, 50 * 1024);
console.log('done');

const log = createLogger({ level: 'silent', pretty: false });

interface AppResult {
  bytesPerShardPerSec: number[];
  calls: number;
  throttled: number;
}

/** One application: a paced ShardReader per shard from TRIM_HORIZON to the tip. */
async function readAll(proxy: LimitProxy, share: number, shardBytesPerSec = LIMIT): Promise<AppResult> {
  const client = createKinesisClient(loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': proxy.endpoint } }).config, { retryLayer: 'ours' });
  const port = sdkKinesisReadPort(client, 'backlog');
  const options: ReaderOptions = { maxRecordsPerFetch: 10_000, maxBytesPerFetch: MiB, intervalMs: 200, share, shardCallsPerSec: 5, shardBytesPerSec, idleMs: 200, idleMaxMs: 1000 };
  const shards = await port.listShards();
  const perShard = shards.map(() => createReadCounters());
  const rates = await Promise.all(
    shards.map(async (s, i) => {
      const counters = perShard[i]!;
      const reader = new ShardReader({ kinesis: port, shardId: s.shardId, range: { start: BigInt(s.hashStart), end: BigInt(s.hashEnd) }, from: undefined, initial: { type: 'TRIM_HORIZON' }, options, counters, log, signal: new AbortController().signal });
      const t0 = performance.now();
      let lastAt = t0;
      let bytes = 0;
      for (;;) {
        const b = await reader.next();
        if (b.records.length === 0 && (b.millisBehindLatest ?? 0) === 0) break;
        // Kinesis bytes (what the limit counts): whole aggregates, framing and partition keys included.
        bytes = counters.bytesRead;
        lastAt = performance.now();
      }
      // Up to when the next call would have been allowed, so the last response is not counted as free.
      return bytes / ((lastAt - t0 + 1000 / Math.max(1, Math.floor(5 * share))) / 1000);
    }),
  );
  client.destroy();
  const sum = (f: (c: (typeof perShard)[number]) => number) => perShard.reduce((n, c) => n + f(c), 0);
  return { bytesPerShardPerSec: rates, calls: sum((c) => c.getRecordsCalls), throttled: sum((c) => c.readsThrottled) };
}

const pct = (bps: number) => `${((bps / LIMIT) * 100).toFixed(1)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const line = (name: string, r: AppResult) =>
  console.log(`  ${name.padEnd(26)} ${(mean(r.bytesPerShardPerSec) / MiB).toFixed(2)} MiB/s per shard = ${pct(mean(r.bytesPerShardPerSec))} (min shard ${pct(Math.min(...r.bytesPerShardPerSec))})   ${fmt(r.calls)} calls, ${r.throttled} throttled`);

/** A faithful proxy in front of the benchmark's kinesalite with these per-shard read limits. */
const faithfulProxy = (bytesPerSec: number) => startLimitProxy({ upstream: k.endpoint, port: 0, faithful: { readLimits: { callsPerSec: 5, bytesPerSec } } });
/** GetRecords (and GetShardIterator) calls the proxy answered ProvisionedThroughputExceededException. */
const throttled = (p: LimitProxy) => p.stats.getRecordsThrottledCalls + p.stats.getRecordsThrottledBytes + p.stats.getShardIteratorThrottled;
const callsLine = (p: LimitProxy) => `calls/s per shard: max ${p.maxReadCallsInAnySecond()} asked in any 1-s window (limit 5); proxy throttled ${throttled(p)} of ${p.stats.getRecords}`;

console.log('\n0. what this machine can read at 5 calls/s with no byte limit (the ceiling for the rows below)');
{
  const proxy = await faithfulProxy(1024 ** 3);
  line('application, unlimited', await readAll(proxy, 1, 1024 ** 3));
  await proxy.close();
}

console.log('\n1. one application, readShare 1');
{
  const proxy = await faithfulProxy(LIMIT);
  const r = await readAll(proxy, 1);
  line('application', r);
  console.log(`  ${callsLine(proxy)}   (target ≥ 90%, ≤ 5 calls/s)`);
  await proxy.close();
}

console.log('\n2. two applications at once, readShare 0.5 each');
{
  const proxy = await faithfulProxy(LIMIT);
  const [a, b] = await Promise.all([readAll(proxy, 0.5), readAll(proxy, 0.5)]);
  line('application A', a!);
  line('application B', b!);
  const together = a!.bytesPerShardPerSec.map((x, i) => x + b!.bytesPerShardPerSec[i]!);
  console.log(`  together: ${pct(mean(together))} of the byte limit per shard; ${callsLine(proxy)}   (target each ≥ 40%, within the limits)`);
  await proxy.close();
}
k.stop();
