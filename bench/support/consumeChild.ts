/**
 * A measured consumer in its own process (so its RSS is its own): reads a backlog to the end and
 * prints one JSON line {events, seconds, maxRssMb}. Modes:
 *   plain      a bare GetRecords loop over every shard (with de-aggregation when aggregated)
 *   plain-archive  the archive's baseline: that loop → the same JSON Lines → gzip at the same level →
 *              PutObject per shard at the same flush size (no leases, no manifest, no validation)
 *   noop       runConsumer with a processor that only checkpoints each batch
 *   dashboard  runConsumer with the dashboard processor
 *   worker     runConsumer (noop) that runs until SIGTERM and reports when it processed records
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { createKinesisClient, createS3Client } from '../../src/aws/awsClients.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { runConsumer } from '../../src/coordinator/runConsumer.ts';
import type { ProcessorFactory } from '../../src/coordinator/ShardProcessor.ts';
import { buildArchiveBody } from '../../src/archive/buildArchiveObject.ts';
import { archiveRole } from '../../src/archive/archiveRole.ts';
import { dashboardProcessor } from '../../src/dashboard/dashboardProcessor.ts';
import { decodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { openStore } from '../../src/store/openStore.ts';

const [mode, stream, kinesisEndpoint, dbUrl, expectedArg, leaseMsArg] = process.argv.slice(2) as [string, string, string, string, string, string?];
const expected = Number(expectedArg);
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { config } = loadConfig({ env: {}, flags: { 'aws.kinesisEndpoint': kinesisEndpoint, 'stream.name': stream } });
// The archive's (and its baseline's) gzip level, as the bench sets it for both.
const archiveEnv = process.env.CENTOS_ARCHIVE_GZIP_LEVEL ? { CENTOS_ARCHIVE_GZIP_LEVEL: process.env.CENTOS_ARCHIVE_GZIP_LEVEL } : {};
const kinesis = createKinesisClient(config);
let maxRss = 0;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 50);
const vmHwm = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : maxRss / 1048576;
};
const report = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify({ ...o, maxRssMb: Math.round(vmHwm()) }) + '\n');

async function plain(): Promise<number> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let events = 0;
  await Promise.all(
    shards.map(async (s) => {
      let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      for (;;) {
        const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it!, Limit: 10_000 }));
        for (const rec of r.Records ?? []) events += decodeAggregate(rec.Data!)?.length ?? 1;
        it = r.NextShardIterator;
        if ((r.Records ?? []).length === 0 || (r.MillisBehindLatest === 0 && (r.Records ?? []).length < 10)) break;
      }
    }),
  );
  return events;
}

/**
 * A plain archiver: per shard, GetRecords → de-aggregate → one JSON line per record (the archive's
 * line format, the record's bytes embedded as they are) → at archive.flushBytes of lines, the archive's
 * own gzip step (buildArchiveBody, archive.gzipLevel) → PutObject, one upload in flight per shard.
 */
/** When the plain archiver first had records in hand (its start-up, next to the worker's first batch). */
let plainFirstAt = 0;
async function plainArchive(): Promise<number> {
  const settings = loadConfig({ env: archiveEnv, flags: { 'aws.kinesisEndpoint': kinesisEndpoint, 'aws.s3Endpoint': process.env.CENTOS_BENCH_S3, 'stream.name': stream } });
  const s3 = createS3Client(settings.config);
  const { flushBytes, gzipLevel } = settings.config.archive;
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let events = 0;
  await Promise.all(
    shards.map(async (s) => {
      const shard = s.ShardId!;
      let lines: string[] = [];
      let bytes = 0;
      let objects = 0;
      const put = async () => {
        if (lines.length === 0) return;
        const { body } = await buildArchiveBody(lines, 'gzip', gzipLevel);
        lines = [];
        bytes = 0;
        await s3.send(new PutObjectCommand({ Bucket: 'bench-archive', Key: `plain/${shard}/${objects++}.jsonl.gz`, Body: body, ContentType: 'application/gzip' }));
      };
      let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      for (;;) {
        const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it!, Limit: 10_000 }));
        if (!plainFirstAt && r.Records?.length) plainFirstAt = performance.now();
        for (const rec of r.Records ?? []) {
          const head = `{"shard":${JSON.stringify(shard)},"seq":${JSON.stringify(rec.SequenceNumber)},"sub":`;
          const arrival = `,"arrival":${JSON.stringify(rec.ApproximateArrivalTimestamp!.toISOString())},"event":`;
          const subs = decodeAggregate(rec.Data!) ?? [{ partitionKey: rec.PartitionKey!, data: Buffer.from(rec.Data!) }];
          for (let i = 0; i < subs.length; i++) {
            const line = `${head}${i},"partitionKey":${JSON.stringify(subs[i]!.partitionKey)}${arrival}${subs[i]!.data.toString('utf8')}}`;
            lines.push(line);
            bytes += Buffer.byteLength(line) + 1;
            events++;
            if (bytes >= flushBytes) await put();
          }
        }
        it = r.NextShardIterator;
        if ((r.Records ?? []).length === 0 || (r.MillisBehindLatest === 0 && (r.Records ?? []).length < 10)) break;
      }
      await put();
    }),
  );
  s3.destroy();
  return events;
}

async function main() {
  const t0 = performance.now();
  if (mode === 'plain' || mode === 'plain-archive') {
    const events = await (mode === 'plain' ? plain() : plainArchive());
    report({ mode, events, seconds: (performance.now() - t0) / 1000, ...(plainFirstAt ? { firstBatchSeconds: (plainFirstAt - t0) / 1000 } : {}) });
    return;
  }
  const store = openStore(dbUrl);
  const log = createLogger({ level: 'warn', pretty: false });
  let events = 0;
  let firstAt = 0;
  const counters = { batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 };
  const noop: ProcessorFactory = (ctx) => ({
    async processBatch(records) {
      if (!firstAt) firstAt = performance.now();
      events += records.length;
      await ctx.commit(records[records.length - 1]!);
      if (mode === 'worker') process.stdout.write(JSON.stringify({ t: Date.now(), shard: ctx.shardId, n: records.length }) + '\n');
    },
  });
  const dash = dashboardProcessor('bench-dashboard', counters);
  const counting = (inner: ProcessorFactory): ProcessorFactory => async (ctx) => {
    const p = await inner(ctx);
    return { ...p, processBatch: async (r, i) => { if (!firstAt) firstAt = performance.now(); events += r.length; await p.processBatch(r, i); }, shutdown: () => p.shutdown?.() ?? Promise.resolve(), shardEnded: () => p.shardEnded?.() ?? Promise.resolve() };
  };
  let archiveClose: (() => Promise<void>) | undefined;
  let processor: ProcessorFactory = noop;
  if (mode === 'dashboard') processor = counting(dash);
  if (mode === 'archive') {
    const settings = loadConfig({ env: archiveEnv, flags: { 'aws.kinesisEndpoint': kinesisEndpoint, 'aws.s3Endpoint': process.env.CENTOS_BENCH_S3, 'stream.name': stream, 's3.bucket': 'bench-archive', 'db.url': dbUrl } });
    const role = await archiveRole.create({ settings, store, log });
    archiveClose = role.close;
    processor = counting(role.processor);
  }
  const leaseMs = Number(leaseMsArg ?? 10_000);
  const handle = runConsumer({
    app: mode === 'dashboard' ? 'bench-dashboard' : mode === 'archive' ? 'CentosArchiver' : 'bench',
    processor,
    // kinesalite enforces no read limits: the byte pacing is lifted (5 calls/s of up to 10,000 records stay) so this measures the consumer, not the limit.
    options: { leaseDurationMs: leaseMs, renewIntervalMs: Math.floor(leaseMs / 3), takeIntervalMs: 500, shardSyncIntervalMs: 10_000, maxRecordsPerFetch: 10_000, maxBytesPerFetch: 16 * 1024 * 1024, intervalMs: 200, share: 1, shardCallsPerSec: 5, shardBytesPerSec: 1024 ** 3, idleMs: 50, idleMaxMs: 200, watchdogMs: 60_000 },
    initialPosition: { type: 'TRIM_HORIZON' },
    deps: { store, kinesis: sdkKinesisReadPort(kinesis, stream), log },
  });
  if (mode === 'worker') {
    process.stdout.write(JSON.stringify({ ready: handle.workerId }) + '\n');
    process.on('SIGTERM', async () => {
      await handle.stop();
      process.exit(0);
    });
    return;
  }
  while (events < expected) await new Promise((r) => setTimeout(r, 20));
  // The archive counts a record when it is buffered; it is archived once stop() flushed and committed it.
  const stopping = performance.now();
  await (mode === 'archive' ? handle.stop() : Promise.resolve());
  const seconds = (performance.now() - t0) / 1000;
  const stopSeconds = (performance.now() - stopping) / 1000;
  await handle.stop();
  await archiveClose?.();
  await store.close();
  report({ mode, events, seconds, applied: counters.applied, firstBatchSeconds: (firstAt - t0) / 1000, stopSeconds });
}

main().then(
  () => {
    if (mode !== 'worker') {
      clearInterval(sampler);
      kinesis.destroy();
      process.exit(0);
    }
  },
  (err) => {
    process.stderr.write(String(err?.stack ?? err) + '\n');
    process.exit(1);
  },
);
