/**
 * Archive throughput, in one run: a backlog on 4 shards in kinesalite, archived into s3rver
 *   - by a plain pipeline (its own process): GetRecords loop → the same JSON Lines → gzip at the same
 *     level → PutObject at the same flush size, one upload in flight per shard; no leases, no manifest;
 *   - by one centos archive worker (its own process; peak RSS measured): leases, validation of every
 *     record, deterministic keys, manifest + checkpoint in one fenced transaction per object.
 * Rounds alternate the two (plain first) and each keeps its best, so a busy moment on the shared
 * machine hurts neither more than the other. --profile writes a CPU profile of the worker and
 * prints its top frames by self time.
 * Run: npm run bench:archive  [-- --events 200000 --rounds 2 --gzip-level 6 --profile]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createKinesisClient, createS3Client } from '../src/aws/awsClients.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { EventGenerator } from '../src/generate/EventGenerator.ts';
import { startLocalStack } from '../src/local/startLocalStack.ts';
import { ensureBucket } from '../src/setup/ensureBucket.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/openStore.ts';
import { fillStream, fmt, runChild } from './support/benchKit.ts';
import { cpuProfileTop } from './support/cpuProfileTop.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' }, 'gzip-level': { type: 'string' }, profile: { type: 'boolean', default: false } } });
const N = Number(values.events);
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-archive-'));
const stack = await startLocalStack({ dataDir: path.join(dir, 'local'), kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0 });
const { config } = loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': stack.kinesisEndpoint, 'aws.s3Endpoint': stack.s3Endpoint } });
const kinesis = createKinesisClient(config);
const s3 = createS3Client(config);
await ensureBucket(s3, 'bench-archive');
if (values['gzip-level']) process.env.CENTOS_ARCHIVE_GZIP_LEVEL = values['gzip-level'];
const level = loadConfig({ env: values['gzip-level'] ? { CENTOS_ARCHIVE_GZIP_LEVEL: values['gzip-level'] } : {} }).config.archive.gzipLevel;
const gen = new EventGenerator({ seed: 8, users: 1000, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const events = Array.from({ length: N }, () => gen.next());
console.log(`archive benchmark: ${fmt(N)} events, 4 shards, default flush (5 MiB / 60 s), gzip level ${level}`);
process.stdout.write('filling stream… ');
await fillStream(kinesis, 'arch', 4, events, 50 * 1024);
console.log('done');
process.env.CENTOS_BENCH_S3 = stack.s3Endpoint;

let best = { plain: 0, worker: 0 };
let last: { objects: number; bytes: number; archived: number; rss: number | string } | undefined;
for (let round = 0; round < Number(values.rounds); round++) {
  const plain = await runChild(['plain-archive', 'arch', stack.kinesisEndpoint, '', String(N)]);
  if (Number(plain.events) !== N) console.log(`  WARNING: the plain pipeline read ${plain.events} events for ${N}`);
  best.plain = Math.max(best.plain, Number(plain.events) / Number(plain.seconds));
  // A fresh database each round: the worker starts from TRIM_HORIZON.
  const dbUrl = `sqlite:${path.join(dir, `archive-${round}.db`)}`;
  const store = openStore(dbUrl);
  await migrate(store);
  const profDir = path.join(dir, `prof-${round}`);
  const r = await runChild(['archive', 'arch', stack.kinesisEndpoint, dbUrl, String(N)], values.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  best.worker = Math.max(best.worker, Number(r.events) / Number(r.seconds));
  const objects = await store.query<{ bytes: number; records: number }>('SELECT bytes, record_count AS records FROM archive_manifest');
  await store.close();
  last = { objects: objects.length, bytes: objects.reduce((a, o) => a + Number(o.bytes), 0), archived: objects.reduce((a, o) => a + Number(o.records), 0), rss: r.maxRssMb! };
  console.log(`  round ${round + 1}: plain ${fmt(Number(plain.events) / Number(plain.seconds))} events/s (first records after ${Number(plain.firstBatchSeconds).toFixed(2)} s) · archive worker ${fmt(Number(r.events) / Number(r.seconds))} events/s (first batch after ${Number(r.firstBatchSeconds).toFixed(2)} s; last objects flushed and committed by stop() in ${Number(r.stopSeconds).toFixed(2)} s)`);
  if (values.profile) {
    console.log(`  archive worker CPU profile (${profDir}), top frames by self time:`);
    for (const l of cpuProfileTop(profDir)) console.log(`    ${l}`);
  }
}
console.log(`  plain pipeline   ${fmt(best.plain).padStart(9)} events/s (best of ${values.rounds})`);
console.log(`  archive worker   ${fmt(best.worker).padStart(9)} events/s (best of ${values.rounds}) · ${last!.archived} records in ${last!.objects} objects (${(last!.bytes / 1048576).toFixed(1)} MiB gzip) · peak RSS ${last!.rss} MB`);
console.log(`  ratio ${(best.worker / best.plain).toFixed(2)}   targets: ≥ 20,000 events/s, ≥ 0.8× the plain pipeline, < 300 MB RSS`);
if (last!.archived !== N) console.log(`  WARNING: ${last!.archived} records archived for ${N} events`);
kinesis.destroy();
s3.destroy();
await stack.close();
process.exit(0);
