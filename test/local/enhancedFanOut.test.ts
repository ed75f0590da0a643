import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  LimitExceededException,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  SplitShardCommand,
  SubscribeToShardCommand,
  type StartingPosition,
  type SubscribeToShardEvent,
} from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import { encodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { startLimitProxy, type FaithfulOptions } from '../../src/local/startLimitProxy.ts';
import { CONSUMER_LIMITS } from '../../src/local/streamConsumers.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { faithfulHarness } from '../helpers/faithfulHarness.ts';

const SHARD = 'shardId-000000000000';
const DELAY = 1000;

/** What a test sees of one SubscribeToShard call: the events so far, and how the stream ended. */
interface Subscription {
  events: SubscribeToShardEvent[];
  records(): Array<{ seq: string; data: Buffer }>;
  ended: boolean;
  error?: Error;
}

/**
 * Enhanced fan-out in the faithful proxy, driven by the real SDK over HTTP/2 (NodeHttp2Handler, h2c on the
 * proxy's one port). The proxy's clock is moved by hand: every status change, limit and expiry is shown
 * by moving it, never by racing real time; records reach subscribers through the proxy's own short poll.
 */
describe('the faithful local Kinesis: enhanced fan-out (consumers, SubscribeToShard) over HTTP/2', () => {
  const h = faithfulHarness();
  const { proxies, clients } = h;
  let n = 0;

  const setup = async (faithful: FaithfulOptions = {}, shards = 1) => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const proxy = await startLimitProxy({ upstream: h.stack.kinesisEndpoint, port: 0, faithful: { ...faithful, efo: { consumerStatusDelayMs: DELAY, pollMs: 10, ...faithful.efo } }, now: () => clock.t });
    proxies.push(proxy);
    const k = new KinesisClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttp2Handler(),
      maxAttempts: 1,
    });
    clients.push(k);
    const stream = `efo-${++n}`;
    await ensureStream(h.direct, { name: stream, shards, retentionHours: 24, pollMs: 20 });
    const streamArn = (await k.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!.StreamARN!;
    /** A registered consumer, ACTIVE (the clock moved past its CREATING time). */
    const consumer = async (name = 'app') => {
      const c = (await k.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }))).Consumer!;
      clock.t += DELAY;
      return c.ConsumerARN!;
    };
    const put = async (records: Array<{ key: string; data: Buffer }>) => {
      const r = await k.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((x) => ({ PartitionKey: x.key, Data: x.data })) }));
      assert.equal(r.FailedRecordCount, 0);
      return r.Records!.map((x) => x.SequenceNumber!);
    };
    const subscribe = async (consumerArn: string, position: StartingPosition, shardId = SHARD): Promise<Subscription> => {
      const r = await k.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position }));
      const s: Subscription = {
        events: [],
        ended: false,
        records: () => s.events.flatMap((e) => e.Records!.map((x) => ({ seq: x.SequenceNumber!, data: Buffer.from(x.Data!) }))),
      };
      void (async () => {
        try {
          for await (const e of r.EventStream!) if (e.SubscribeToShardEvent) s.events.push(e.SubscribeToShardEvent);
        } catch (err) {
          s.error = err as Error;
        } finally {
          s.ended = true;
        }
      })();
      return s;
    };
    return { clock, proxy, k, stream, streamArn, consumer, put, subscribe };
  };
  const payload = (i: number, bytes = 20) => ({ key: `k${i}`, data: Buffer.alloc(bytes, i % 250) });

  it('registers, describes, lists and deregisters consumers as AWS does: CREATING → ACTIVE, DELETING → gone, unique names, 20 per stream', async () => {
    const { clock, k, streamArn } = await setup();
    const c = (await k.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'app' }))).Consumer!;
    assert.equal(c.ConsumerStatus, 'CREATING');
    assert.equal(c.ConsumerARN, `${streamArn}/consumer/app:${Math.floor(clock.t / 1000)}`);
    assert.match(c.ConsumerARN!, /^arn:aws:kinesis:us-east-1:000000000000:stream\/efo-\d+\/consumer\/app:\d+$/);
    await assert.rejects(
      k.send(new SubscribeToShardCommand({ ConsumerARN: c.ConsumerARN, ShardId: SHARD, StartingPosition: { Type: 'LATEST' } })),
      ResourceInUseException,
      'a CREATING consumer cannot subscribe',
    );
    await assert.rejects(k.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'app' })), ResourceInUseException);
    await assert.rejects(k.send(new RegisterStreamConsumerCommand({ StreamARN: `${streamArn}-missing`, ConsumerName: 'app' })), ResourceNotFoundException);
    await assert.rejects(k.send(new DescribeStreamConsumerCommand({ ConsumerARN: `${streamArn}/consumer/nobody:1` })), ResourceNotFoundException);
    clock.t += DELAY;
    const d = (await k.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'app' }))).ConsumerDescription!;
    assert.equal(d.ConsumerStatus, 'ACTIVE');
    assert.equal(d.ConsumerARN, c.ConsumerARN);
    assert.equal(d.StreamARN, streamArn);

    // Up to 20 per stream; RegisterStreamConsumer's 5 calls/s per account and 5 CREATING at once pace the loop.
    for (let i = 1; i < CONSUMER_LIMITS.perStream; i++) {
      if (i % 5 === 0) clock.t += DELAY;
      await k.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: `app${i}` }));
    }
    clock.t += DELAY;
    await assert.rejects(k.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'one-too-many' })), LimitExceededException);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await k.send(new ListStreamConsumersCommand({ StreamARN: streamArn, MaxResults: 7, ...(token ? { NextToken: token } : {}) }));
      names.push(...page.Consumers!.map((x) => x.ConsumerName!));
      assert.ok(page.Consumers!.length <= 7);
      token = page.NextToken;
      clock.t += 200; // ListStreamConsumers: 5 calls/s per stream
    } while (token);
    assert.equal(names.length, CONSUMER_LIMITS.perStream);
    assert.ok(names.includes('app') && names.includes('app19'));

    await k.send(new DeregisterStreamConsumerCommand({ ConsumerARN: c.ConsumerARN }));
    assert.equal((await k.send(new DescribeStreamConsumerCommand({ ConsumerARN: c.ConsumerARN }))).ConsumerDescription!.ConsumerStatus, 'DELETING');
    clock.t += DELAY;
    await assert.rejects(k.send(new DescribeStreamConsumerCommand({ ConsumerARN: c.ConsumerARN })), ResourceNotFoundException);
    await k.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'app' }));
  });

  it('pushes records put before and after subscribing, with their sequence numbers, raw (a KPL aggregate stays one record)', async () => {
    const { consumer, put, subscribe } = await setup();
    const arn = await consumer();
    const aggregate = encodeAggregate([
      { partitionKey: 'u1', data: Buffer.from('{"a":1}') },
      { partitionKey: 'u2', data: Buffer.from('{"a":2}') },
    ]);
    const before = await put([payload(1), { key: 'agg', data: aggregate }]);
    const s = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    await waitFor('the records put before subscribing', () => s.records().length >= 2, 20_000);
    const afterSeqs = await put([payload(2), payload(3)]);
    await waitFor('the records put after subscribing', () => s.records().length >= 4, 20_000);
    const got = s.records();
    assert.deepEqual(
      got.map((r) => r.seq),
      [...before, ...afterSeqs],
    );
    assert.deepEqual(got[1]!.data, aggregate, 'the aggregate arrives as the raw record');
    assert.deepEqual(got[0]!.data, payload(1).data);
    for (const e of s.events) {
      for (const r of e.Records!) assert.equal('SubSequenceNumber' in r, false);
      assert.ok(e.Records!.length === 0 || e.ContinuationSequenceNumber === e.Records!.at(-1)!.SequenceNumber);
    }
    assert.equal(s.ended, false);
    assert.equal(s.error, undefined);

    // AT_TIMESTAMP: from the first record that arrived at or after it; one later than every record waits for the next.
    const third = s.events.flatMap((e) => e.Records!).find((r) => r.SequenceNumber === afterSeqs[0])!;
    const at = await subscribe(await consumer('at-timestamp'), { Type: 'AT_TIMESTAMP', Timestamp: third.ApproximateArrivalTimestamp! });
    await waitFor('the records from the timestamp on', () => at.records().length >= 2, 20_000);
    assert.deepEqual(
      at.records().map((r) => r.seq),
      afterSeqs,
    );
    // One ms after the newest arrival so far (records of one PutRecords call may arrive a millisecond apart).
    const newest = Math.max(...s.events.flatMap((e) => e.Records!).map((r) => r.ApproximateArrivalTimestamp!.getTime()));
    const latest = await subscribe(await consumer('at-now'), { Type: 'AT_TIMESTAMP', Timestamp: new Date(newest + 1) });
    const [fifth] = await put([payload(5)]);
    await waitFor('the next record', () => latest.records().length >= 1 && at.records().length >= 3, 20_000);
    assert.deepEqual(
      latest.records().map((r) => r.seq),
      [fifth],
    );
  });

  it('one SubscribeToShard call per second per consumer and shard; a second subscription while one streams is ResourceInUse; after 5 s it takes over', async () => {
    const { clock, proxy, consumer, subscribe, put } = await setup();
    const arn = await consumer();
    const first = await subscribe(arn, { Type: 'LATEST' });
    await assert.rejects(subscribe(arn, { Type: 'LATEST' }), LimitExceededException);
    clock.t += 1000;
    await assert.rejects(subscribe(arn, { Type: 'LATEST' }), ResourceInUseException);
    assert.equal(proxy.stats.subscribeLimited, 1);
    assert.equal(proxy.stats.subscribeInUse, 1);
    const other = await consumer('other');
    const second = await subscribe(other, { Type: 'LATEST' });
    await put([payload(1)]);
    await waitFor('both consumers got the record', () => first.records().length === 1 && second.records().length === 1, 20_000);
    clock.t += 4000;
    const takeover = await subscribe(arn, { Type: 'LATEST' });
    await waitFor('the first subscription ended', () => first.ended, 20_000);
    assert.ok(first.error instanceof ResourceInUseException, `ended with ${first.error?.name}`);
    assert.equal(takeover.ended, false);
    assert.equal(second.ended, false);
  });

  it('a subscription ends after its lifetime; its continuation, used AFTER_SEQUENCE_NUMBER, continues with no gap and no repeat', async () => {
    const { clock, proxy, consumer, subscribe, put } = await setup({ efo: { subscriptionMs: 10_000 } });
    const arn = await consumer();
    // LATEST on an empty shard: the continuation names a position before any record.
    const empty = await subscribe(arn, { Type: 'LATEST' });
    await waitFor('a first event', () => empty.events.length > 0, 20_000);
    clock.t += 10_000;
    await waitFor('the subscription expired', () => empty.ended, 20_000);
    assert.equal(empty.error, undefined);
    assert.equal(proxy.stats.subscriptionsExpired, 1);
    const c0 = empty.events.at(-1)!.ContinuationSequenceNumber!;
    assert.match(c0, /^[1-9]\d*$/);

    const seqs = await put([payload(1), payload(2), payload(3)]);
    const s1 = await subscribe(arn, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: c0 });
    await waitFor('three records', () => s1.records().length >= 3, 20_000);
    clock.t += 10_000;
    await waitFor('the second subscription expired', () => s1.ended, 20_000);
    assert.deepEqual(
      s1.records().map((r) => r.seq),
      seqs,
    );
    const c1 = s1.events.at(-1)!.ContinuationSequenceNumber!;
    assert.equal(c1, seqs[2]);

    const more = await put([payload(4), payload(5)]);
    const s2 = await subscribe(arn, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: c1 });
    await waitFor('two more records', () => s2.records().length >= 2, 20_000);
    const s3 = await subscribe(await consumer('at'), { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: seqs[1] });
    await waitFor('AT_SEQUENCE_NUMBER from the second record', () => s3.records().length >= 4, 20_000);
    assert.deepEqual(
      s2.records().map((r) => r.seq),
      more,
    );
    assert.deepEqual(
      s3.records().map((r) => r.seq),
      [seqs[1], seqs[2], ...more],
    );
  });

  it("at a split the parent's last event names the children, has no continuation, and the stream ends", async () => {
    const { k, stream, consumer, subscribe, put } = await setup();
    const arn = await consumer();
    const s = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    const [seq] = await put([payload(1)]);
    await waitFor('the record', () => s.records().length === 1, 20_000);
    await k.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: SHARD, NewStartingHashKey: (2n ** 127n).toString() }));
    await waitFor('the subscription ended at the shard end', () => s.ended, 20_000);
    assert.equal(s.error, undefined);
    const last = s.events.at(-1)!;
    assert.equal(last.ContinuationSequenceNumber, undefined);
    assert.deepEqual(last.Records, []);
    const children = (await k.send(new ListShardsCommand({ StreamName: stream }))).Shards!.filter((x) => x.ParentShardId === SHARD);
    assert.equal(children.length, 2);
    assert.deepEqual(
      last.ChildShards!.map((c) => [c.ShardId, c.ParentShards, c.HashKeyRange?.StartingHashKey]).sort(),
      children.map((c) => [c.ShardId, [SHARD], c.HashKeyRange?.StartingHashKey]).sort(),
    );
    assert.equal(s.records()[0]!.seq, seq);
    for (const e of s.events.slice(0, -1)) assert.equal(e.ChildShards, undefined);

    // Subscribing to the closed parent later: its records, then the same last event.
    const late = await subscribe(await consumer('late'), { Type: 'TRIM_HORIZON' });
    await waitFor('the late subscription ended at the shard end', () => late.ended, 20_000);
    assert.deepEqual(
      late.records().map((r) => r.seq),
      [seq],
    );
    assert.deepEqual(late.events.at(-1)!.ChildShards, last.ChildShards);
  });

  it("a deregistered consumer's subscription ends with ResourceNotFoundException", async () => {
    const { k, consumer, subscribe } = await setup();
    const arn = await consumer();
    const s = await subscribe(arn, { Type: 'LATEST' });
    await waitFor('a first event', () => s.events.length > 0, 20_000);
    await k.send(new DeregisterStreamConsumerCommand({ ConsumerARN: arn }));
    await waitFor('the subscription ended', () => s.ended, 20_000);
    assert.ok(s.error instanceof ResourceNotFoundException, `ended with ${s.error?.name}`);
    await assert.rejects(k.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: SHARD, StartingPosition: { Type: 'LATEST' } })), ResourceInUseException, 'DELETING is not ACTIVE');
  });

  it("each consumer has its own 2 MiB/s per shard (scaled down), apart from the GetRecords readers' shared budget", async () => {
    const limit = 10_000;
    const { clock, proxy, k, stream, consumer, subscribe, put } = await setup({ efo: { bytesPerSec: limit }, readLimits: { callsPerSec: 5, bytesPerSec: limit } });
    const arn = await consumer();
    const size = 3000; // + 2-byte key: 3002 bytes a record
    await put(Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 10}`, data: Buffer.alloc(size, i) })));
    const s = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    // With the clock standing still: three records fit in 10,000 bytes, one more goes while the budget is positive, then it waits.
    await waitFor('the subscription used its budget and waits', () => s.records().length === 4 && proxy.stats.efoBudgetWaits > 0, 20_000);
    assert.equal(s.records().length, 4);
    // The polling readers' budget is untouched: a GetRecords gets the whole backlog, after which they are throttled.
    let it = (await k.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: SHARD, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
    const r = await k.send(new GetRecordsCommand({ ShardIterator: it }));
    assert.equal(r.Records!.length, 10);
    it = r.NextShardIterator!;
    await assert.rejects(k.send(new GetRecordsCommand({ ShardIterator: it })), ProvisionedThroughputExceededException);
    // ... and the subscription's budget is untouched by theirs: a second later it pushes its next second's worth.
    const waits = proxy.stats.efoBudgetWaits;
    clock.t += 1000;
    await waitFor('the next second of pushes', () => s.records().length === 7 && proxy.stats.efoBudgetWaits > waits, 20_000);
    assert.equal(s.records().length, 7);
    const another = await subscribe(await consumer('another'), { Type: 'TRIM_HORIZON' });
    await waitFor('another consumer pushes from its own full budget', () => another.records().length === 4, 20_000);
    assert.equal(proxy.stats.getRecordsThrottledBytes, 1);
  });

  it('serves HTTP/1.1 and HTTP/2 on one port', async () => {
    const { proxy, stream, k } = await setup();
    const h1 = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: proxy.endpoint } }), { retryLayer: 'ours' });
    clients.push(h1);
    const a = await h1.send(new ListShardsCommand({ StreamName: stream }));
    const b = await k.send(new ListShardsCommand({ StreamName: stream }));
    assert.deepEqual(a.Shards, b.Shards);
  });
});
