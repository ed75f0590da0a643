import assert from 'node:assert/strict';
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { createKinesisClient } from '../../../src/aws/awsClients.ts';
import { configSchema, type Config } from '../../../src/config/configSchema.ts';
import type { ConsumedRecord } from '../../../src/kinesis/deaggregate.ts';
import { createReadCounters, type Fetched } from '../../../src/kinesis/ShardReader.ts';
import { createEfoSource, type EfoSource } from '../../../src/kinesis/efo/createEfoSource.ts';
import { createRecordSource, type RecordSource } from '../../../src/kinesis/efo/createRecordSource.ts';
import { ensureStreamConsumer } from '../../../src/kinesis/efo/ensureStreamConsumer.ts';
import { sdkEfoPort, type StreamConsumer } from '../../../src/kinesis/efo/EfoPort.ts';
import { Http2StreamHandler } from '../../../src/kinesis/efo/Http2StreamHandler.ts';
import { pruneStreamConsumers } from '../../../src/kinesis/efo/pruneStreamConsumers.ts';
import { KinesisError } from '../../../src/kinesis/KinesisError.ts';
import { encodeAggregate } from '../../../src/kinesis/kplAggregation.ts';
import { silentLog } from '../../helpers/consumerHarness.ts';
import { startKinesisMock, type KinesisMock } from '../../helpers/kinesisMock.ts';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcpProxy.ts';
import { waitFor } from '../../helpers/waitFor.ts';

const TIMEOUT = 120_000;

/**
 * Enhanced fan-out against kinesis-mock (its plain port speaks HTTP/2 without TLS for
 * SubscribeToShard). kinesis-mock never ends a subscription by itself and has no setting to make
 * it, so the 5-minute end is forced here by dropping the connection. It never signals the end of a
 * closed shard over a subscription either (no event without a continuation, no child shards), so
 * shard end is covered by the unit test subscriptionReaderScript.test.ts.
 */
describe('enhanced fan-out on kinesis-mock', () => {
  let mock: KinesisMock;
  let config: Config;
  let client: KinesisClient;
  let n = 0;

  before(async () => {
    mock = await startKinesisMock();
    client = mock.client;
  });
  after(async () => {
    await mock?.close();
  });

  async function newStream(): Promise<{ name: string; shardId: string }> {
    const name = `efo-${++n}`;
    const shardId = (await mock.createStream(name)).shardIds[0]!;
    config = configSchema.parse({ aws: { kinesisEndpoint: mock.endpoint }, stream: { name }, efo: { activeTimeoutMs: 30_000 } });
    return { name, shardId };
  }

  const lastPut = new Map<string, string>();
  async function put(stream: string, data: Buffer, key = 'k'): Promise<string> {
    const seq = (await client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: key, Data: data }))).SequenceNumber!;
    lastPut.set(stream, seq);
    return seq;
  }
  const readKinesisTip = async (stream: string) => ({ seq: lastPut.get(stream)! });

  function reader(efo: EfoSource, shardId: string, signal: AbortSignal, from?: ConsumedRecord | { seq: string; sub: number; last: boolean }): RecordSource {
    return createRecordSource({
      mode: 'efo',
      efo,
      kinesis: undefined as never, // polling only
      shardId,
      range: undefined,
      from,
      initial: { type: 'TRIM_HORIZON' },
      options: undefined as never, // polling only
      counters: createReadCounters(),
      log: silentLog,
      signal,
    });
  }

  /** Reads until `count` user records arrived (bounded by the test's timeout through waitFor). */
  async function readRecords(r: RecordSource, count: number): Promise<ConsumedRecord[]> {
    const got: ConsumedRecord[] = [];
    await waitFor(`${count} records from ${r.shardId}`, async () => {
      const b: Fetched = await r.next();
      got.push(...b.records);
      return got.length >= count;
    }, 60_000);
    return got;
  }

  const text = (rs: ConsumedRecord[]) => rs.map((r) => r.data.toString());

  it('registers the consumer once, whichever of several racing workers gets there first', { timeout: TIMEOUT }, async () => {
    const { name } = await newStream();
    const sources = [0, 1, 2].map(() => createEfoSource(config, 'RaceApp', silentLog));
    try {
      // Each its own cache: three processes racing.
      const got: StreamConsumer[] = await Promise.all(sources.map((s) => ensureStreamConsumer({ efo: s.port, name: 'RaceApp', endpoint: mock.endpoint, log: silentLog, activeTimeoutMs: 30_000, pollMs: 100 }, new Map())));
      assert.deepEqual(new Set(got.map((c) => c.arn)).size, 1, 'one ARN');
      assert.ok(got.every((c) => c.status === 'ACTIVE'));
      const arn = await sources[0]!.port.streamArn();
      const listed = (await sources[0]!.port.listConsumers(arn)).filter((c) => c.name === 'RaceApp');
      assert.equal(listed.length, 1, `consumers of ${name}: ${JSON.stringify(listed)}`);
      // Again, in one process: the same registration.
      const cache = new Map();
      const a = await ensureStreamConsumer({ efo: sources[1]!.port, name: 'RaceApp', endpoint: mock.endpoint, log: silentLog, activeTimeoutMs: 30_000 }, cache);
      assert.equal(a.arn, got[0]!.arn);
      // Pruning: an app that reads by polling loses its consumer; one in efo mode and foreign consumers keep theirs.
      await sources[0]!.port.registerConsumer(arn, 'SomeoneElse');
      const pruned = await pruneStreamConsumers(sources[0]!.port, [{ name: 'RaceApp', mode: 'polling' }, { name: 'EfoApp', mode: 'efo' }], silentLog);
      assert.deepEqual(pruned, ['RaceApp']);
      await waitFor('RaceApp deregistered', async () => (await sources[0]!.port.describeConsumer(arn, 'RaceApp')) === undefined, 30_000);
      assert.ok(await sources[0]!.port.describeConsumer(arn, 'SomeoneElse'));
    } finally {
      for (const s of sources) s.close();
    }
  });

  it('reads records put before and after subscribing, in order, without repeats; abort ends the HTTP/2 stream', { timeout: TIMEOUT }, async () => {
    const { name, shardId } = await newStream();
    const efo = createEfoSource(config, 'ReadApp', silentLog);
    const stop = new AbortController();
    try {
      for (let i = 0; i < 5; i++) await put(name, Buffer.from(`before-${i}`));
      const r = reader(efo, shardId, stop.signal);
      const first = await readRecords(r, 5);
      assert.deepEqual(text(first), [0, 1, 2, 3, 4].map((i) => `before-${i}`));
      assert.equal(efo.openSubscriptions(), 1);
      for (let i = 0; i < 5; i++) await put(name, Buffer.from(`after-${i}`));
      const second = await readRecords(r, 5);
      assert.deepEqual(text(second), [0, 1, 2, 3, 4].map((i) => `after-${i}`));
      const pending = r.next();
      stop.abort();
      assert.deepEqual((await pending).records, []);
      await waitFor('the subscription connection closed', () => efo.openSubscriptions() === 0, 10_000);
    } finally {
      stop.abort();
      efo.close();
    }
  });

  it('resumes from a checkpoint inside a KPL aggregate, and after a dropped subscription, without gap or repeat', { timeout: TIMEOUT }, async () => {
    const { name, shardId } = await newStream();
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(mock.endpoint).port));
    const efo = createEfoSource({ ...config, aws: { ...config.aws, kinesisEndpoint: `http://127.0.0.1:${proxy.port}` } }, 'ResumeApp', silentLog);
    const stops: AbortController[] = [];
    try {
      await put(name, Buffer.from('plain-0'));
      const aggSeq = await put(name, encodeAggregate([0, 1, 2, 3].map((i) => ({ partitionKey: 'k', data: Buffer.from(`agg-${i}`) }))));
      await put(name, Buffer.from('plain-1'));
      // Checkpoint after sub-record 1 of the aggregate: sub-records 2 and 3 follow, then plain-1.
      const s1 = new AbortController();
      stops.push(s1);
      const r = reader(efo, shardId, s1.signal, { seq: aggSeq, sub: 1, last: false });
      const got = await readRecords(r, 3);
      assert.deepEqual(text(got), ['agg-2', 'agg-3', 'plain-1']);
      assert.deepEqual(got.map((x) => [x.seq === aggSeq, x.sub, x.last]), [[true, 2, false], [true, 3, true], [false, 0, true]]);

      // The connection drops (as when AWS ends a subscription after 5 minutes, or the network fails):
      // the reader resubscribes after its last continuation, so nothing is skipped or repeated.
      const subscriptionsBefore = (r as unknown as { subscriptions: number }).subscriptions;
      proxy.cut();
      for (let i = 0; i < 3; i++) await put(name, Buffer.from(`late-${i}`));
      const pendingDuringCut = r.next();
      await waitFor('the subscription connection dropped', () => efo.openSubscriptions() === 0, 10_000);
      proxy.resume();
      const late = (await pendingDuringCut).records;
      if (late.length < 3) late.push(...(await readRecords(r, 3 - late.length)));
      assert.deepEqual(text(late), ['late-0', 'late-1', 'late-2']);
      assert.ok((r as unknown as { subscriptions: number }).subscriptions > subscriptionsBefore, 'resubscribed');

      // A worker taking over from the last record delivered (a finished aggregate: AFTER it) sees only what follows.
      s1.abort();
      await put(name, Buffer.from('next-0'));
      const s2 = new AbortController();
      stops.push(s2);
      const again = await readRecords(reader(efo, shardId, s2.signal, late[2]), 1);
      assert.deepEqual(text(again), ['next-0']);
    } finally {
      for (const s of stops) s.abort();
      efo.close();
      await proxy.close();
    }
  });

  it('waits while a zombie subscription of the same consumer holds the shard (ResourceInUseException), then reads on', { timeout: TIMEOUT }, async () => {
    const { name, shardId } = await newStream();
    const zombieEfo = createEfoSource(config, 'ZombieApp', silentLog);
    const efo = createEfoSource(config, 'ZombieApp', silentLog);
    const zombieStop = new AbortController();
    const stop = new AbortController();
    try {
      await put(name, Buffer.from('z-0'));
      const zombie = reader(zombieEfo, shardId, zombieStop.signal);
      assert.deepEqual(text(await readRecords(zombie, 1)), ['z-0']);
      // The new owner starts from the zombie's last record; the zombie still holds its subscription.
      const owner = reader(efo, shardId, stop.signal, { seq: (await readKinesisTip(name)).seq, sub: 0, last: true }) as RecordSource & { subscriptions: number };
      const pending = owner.next();
      await waitFor('the new owner refused and retrying', () => owner.subscriptions >= 2, 30_000);
      zombieStop.abort();
      await put(name, Buffer.from('z-1'));
      const got = (await pending).records;
      if (got.length < 1) got.push(...(await readRecords(owner, 1)));
      assert.deepEqual(text(got), ['z-1']);
    } finally {
      zombieStop.abort();
      stop.abort();
      zombieEfo.close();
      efo.close();
    }
  });

  it('subscribes over TLS (HTTP/2 by ALPN), as against AWS', { timeout: TIMEOUT }, async () => {
    const { name, shardId } = await newStream();
    // kinesis-mock's self-signed certificate names no host: trust it, skip only the name check.
    const { cert } = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('kinesis-local/server.json'), 'utf8')) as { server: { cert: string } }).server;
    const handler = new Http2StreamHandler({ idleTimeoutMs: 30_000, connectOptions: { ca: cert, checkServerIdentity: () => undefined } });
    const tlsClient = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: mock.tlsEndpoint } }), { retryLayer: 'ours', requestHandler: handler });
    const port = sdkEfoPort(client, tlsClient, name);
    const stop = new AbortController();
    try {
      await put(name, Buffer.from('tls-0'));
      const arn = (await ensureStreamConsumer({ efo: port, name: 'TlsApp', endpoint: mock.tlsEndpoint, log: silentLog, activeTimeoutMs: 30_000, pollMs: 100 }, new Map())).arn;
      const r = createRecordSource({ mode: 'efo', efo: { port, consumerArn: async () => arn, openSubscriptions: () => handler.openConnections, close: () => handler.destroy() }, kinesis: undefined as never, options: undefined as never, shardId, range: undefined, from: undefined, initial: { type: 'TRIM_HORIZON' }, counters: createReadCounters(), log: silentLog, signal: stop.signal });
      assert.deepEqual(text(await readRecords(r, 1)), ['tls-0']);
    } finally {
      stop.abort();
      handler.destroy();
      tlsClient.destroy();
    }
  });

  it('registers the consumer again when it was deregistered under a running worker', { timeout: TIMEOUT }, async () => {
    const { name, shardId } = await newStream();
    const efo = createEfoSource(config, 'GoneApp', silentLog);
    const stops: AbortController[] = [];
    try {
      await put(name, Buffer.from('g-0'));
      const s1 = new AbortController();
      stops.push(s1);
      const first = await readRecords(reader(efo, shardId, s1.signal), 1);
      s1.abort();
      const streamArn = await efo.port.streamArn();
      const before = (await efo.port.describeConsumer(streamArn, 'GoneApp'))!.arn;
      await efo.port.deregisterConsumer(streamArn, 'GoneApp');
      await waitFor('GoneApp deregistered', async () => (await efo.port.describeConsumer(streamArn, 'GoneApp')) === undefined, 30_000);
      await put(name, Buffer.from('g-1'));
      // The shard task's next attempt (a new reader from the checkpoint) fails once on the stale ARN, then registers again.
      const s2 = new AbortController();
      stops.push(s2);
      await assert.rejects(reader(efo, shardId, s2.signal, first[0]).next(), (err) => err instanceof KinesisError && err.awsCode === 'ResourceNotFoundException');
      const s3 = new AbortController();
      stops.push(s3);
      assert.deepEqual(text(await readRecords(reader(efo, shardId, s3.signal, first[0]), 1)), ['g-1']);
      const after = (await efo.port.describeConsumer(streamArn, 'GoneApp'))!.arn;
      assert.notEqual(after, before);
    } finally {
      for (const s of stops) s.abort();
      efo.close();
    }
  });
});
