/**
 * One application of bench/fanout.bench.ts in its own process: the consumer runtime (runConsumer,
 * configured from the `coordinator` section as `centos consume` is) with a processor that counts
 * and checkpoints each batch, reading by polling or by enhanced fan-out. It reads the backlog to
 * `expected` events, stops, and prints one JSON line: per shard the Kinesis bytes read (framing and
 * partition keys included: what the shard limit counts), the bytes of its first batch and when its
 * first and last batches came, when its reading began (the first SubscribeToShard, or the first
 * GetRecords); the worker's GetRecords calls and throttled reads.
 * Args: app mode(polling|efo) stream kinesisEndpoint sqlitePath expected readShare shardBytesPerSec
 */
import { loadConfig } from '../../src/config/loadConfig.ts';
import { coordinatorOptions } from '../../src/consumers/coordinatorOptions.ts';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { runConsumer } from '../../src/coordinator/runConsumer.ts';
import type { ProcessorFactory } from '../../src/coordinator/ShardProcessor.ts';
import { pollingRecordSource, type RecordSourceFactory } from '../../src/kinesis/RecordSource.ts';
import { createEfoSource } from '../../src/kinesis/efo/createEfoSource.ts';
import { efoRecordSource } from '../../src/kinesis/efo/createRecordSource.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { openStore } from '../../src/store/openStore.ts';
import { waitFor } from '../../test/helpers/waitFor.ts';

const [app, mode, stream, endpoint, sqlite, expectedArg, share, shardBytesPerSec] = process.argv.slice(2) as [string, 'polling' | 'efo', string, string, string, string, string, string];
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { config } = loadConfig({
  env: {
    CENTOS_COORDINATOR_READ_SHARE: share,
    // The fastest pacing the runtime allows: the share, not the interval, is what bounds each application.
    CENTOS_COORDINATOR_READ_INTERVAL_MS: '200',
    CENTOS_COORDINATOR_SHARD_READ_BYTES_PER_SEC: shardBytesPerSec,
    CENTOS_COORDINATOR_LEASE_DURATION_MS: '10000',
    CENTOS_COORDINATOR_TAKE_INTERVAL_MS: '200',
  },
  flags: { 'aws.kinesisEndpoint': endpoint, 'stream.name': stream },
});
const log = createLogger({ level: 'warn', pretty: false });
const store = openStore(`sqlite:${sqlite}`);
const kinesis = createKinesisClient(config, { retryLayer: 'ours' });
const efo = mode === 'efo' ? createEfoSource(config, app, log) : undefined;
/** When each shard's reading began: its first SubscribeToShard call (EFO, once the consumer is ACTIVE), or its first read (polling). */
const startedAt = new Map<string, number>();
const started = (shardId: string) => void (startedAt.has(shardId) || startedAt.set(shardId, performance.now()));
const records: RecordSourceFactory = efo
  ? efoRecordSource({ ...efo, port: { ...efo.port, subscribe: (arn, shardId, start, signal) => (started(shardId), efo.port.subscribe(arn, shardId, start, signal)) } })
  : (i) => {
      const r = pollingRecordSource(i);
      return { shardId: r.shardId, next: () => (started(i.shardId), r.next()) };
    };

interface ShardTimes {
  firstAt: number;
  firstBytes: number;
  lastAt: number;
  bytes: number;
}
const shards = new Map<string, ShardTimes>();
let events = 0;
let handle: ReturnType<typeof runConsumer> | undefined;
const counting: ProcessorFactory = (ctx) => ({
  async processBatch(records) {
    events += records.length;
    // The reader added the batch's Kinesis bytes to the shard's counters before handing it over.
    const bytes = handle?.shardStats().find((s) => s.shardId === ctx.shardId)?.bytesRead ?? 0;
    const now = performance.now();
    const t = shards.get(ctx.shardId) ?? { firstAt: now, firstBytes: bytes, lastAt: now, bytes };
    Object.assign(t, { lastAt: now, bytes });
    shards.set(ctx.shardId, t);
    await ctx.commit(records[records.length - 1]!);
  },
});
handle = runConsumer({
  mode,
  app,
  processor: counting,
  options: coordinatorOptions(config.coordinator),
  initialPosition: { type: 'TRIM_HORIZON' },
  deps: { store, kinesis: sdkKinesisReadPort(kinesis, stream), log, records },
});
const expected = Number(expectedArg);
await waitFor(`${app} to read ${expected} events`, async () => events >= expected, 600_000);
const { getRecordsCalls, readsThrottled } = handle.counters;
await handle.stop();
efo?.close();
kinesis.destroy();
await store.close();
process.stdout.write(JSON.stringify({ app, mode, events, getRecordsCalls, readsThrottled, shards: Object.fromEntries([...shards].map(([id, t]) => [id, { ...t, startAt: startedAt.get(id) }])) }) + '\n');
process.exit(0);
