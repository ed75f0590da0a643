/**
 * Archive throughput, in one run: a backlog on 4 shards archived into s3rver by one archive worker
 * (its own process; peak RSS measured), next to raw PutObject of the same objects (same count and
 * sizes, 4 at a time — one per shard) into the same s3rver.
 * Run: npm run bench:archive  [-- --events 200000]
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
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

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' } } });
const N = Number(values.events);
const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-archive-'));
const stack = await startLocalStack({ dataDir: path.join(dir, 'local'), kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0 });
const { config } = loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': stack.kinesisEndpoint, 'aws.s3Endpoint': stack.s3Endpoint } });
const kinesis = createKinesisClient(config);
const s3 = createS3Client(config);
await ensureBucket(s3, 'bench-archive');
const gen = new EventGenerator({ seed: 8, users: 1000, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
const events = Array.from({ length: N }, () => gen.next());
console.log(`archive benchmark: ${fmt(N)} events, 4 shards, default flush (5 MiB / 60 s), gzip`);
process.stdout.write('filling stream… ');
await fillStream(kinesis, 'arch', 4, events, 50 * 1024);
console.log('done');

const dbUrl = `sqlite:${path.join(dir, 'archive.db')}`;
const store = openStore(dbUrl);
await migrate(store);
process.env.CENTOS_BENCH_S3 = stack.s3Endpoint;
const r = await runChild(['archive', 'arch', stack.kinesisEndpoint, dbUrl, String(N)]);
const rate = Number(r.events) / Number(r.seconds);
const objects = await store.query<{ bytes: number; raw_bytes: number; records: number }>('SELECT bytes, raw_bytes, record_count AS records FROM archive_manifest');
await store.close();
const archived = objects.reduce((a, o) => a + Number(o.records), 0);
const totalBytes = objects.reduce((a, o) => a + Number(o.bytes), 0);

// Raw: the same objects (count and sizes), four uploads at a time.
const bodies = objects.map((o) => Buffer.alloc(Number(o.bytes), 7));
const t = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < bodies.length) {
      const i = next++;
      await s3.send(new PutObjectCommand({ Bucket: 'bench-archive', Key: `raw/${i}`, Body: bodies[i] }));
    }
  }),
);
const rawSecs = (performance.now() - t) / 1000;
const rawRate = N / rawSecs;
console.log(`  archive worker   ${fmt(rate).padStart(9)} events/s · ${archived} records in ${objects.length} objects (${(totalBytes / 1048576).toFixed(1)} MiB gzip) · peak RSS ${r.maxRssMb} MB`);
console.log(`  raw PutObject    ${fmt(rawRate).padStart(9)} events/s equivalent (same ${objects.length} objects in ${rawSecs.toFixed(2)} s)`);
console.log(`  ratio ${(rate / rawRate).toFixed(2)}   targets: ≥ 20,000 events/s, ≥ 0.5× raw, < 300 MB RSS`);
if (archived !== N) console.log(`  WARNING: ${archived} records archived for ${N} events`);
kinesis.destroy();
s3.destroy();
await stack.close();
process.exit(0);
