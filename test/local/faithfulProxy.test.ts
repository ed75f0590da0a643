import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  LimitExceededException,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  ResourceNotFoundException,
  SplitShardCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import { startLimitProxy, type FaithfulOptions } from '../../src/local/startLimitProxy.ts';
import { STATS_PATH } from '../../src/local/startLimitProxy.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { waitFor } from '../helpers/consumerHarness.ts';
import { faithfulHarness } from '../helpers/faithfulHarness.ts';

/**
 * The faithful proxy in front of a real kinesalite, driven by the real SDK (one attempt, so the
 * AWS errors surface). The proxy's clock is a hand-moved one: every limit is shown by moving it,
 * never by racing real time.
 */
describe('the faithful local Kinesis: AWS read limits, iterator and shard expiry, quotas, on-demand resharding', () => {
  const h = faithfulHarness();
  const { proxies, clients } = h;
  let n = 0;

  /** A stream on kinesalite, a proxy with its own clock in front, and `k` SDK clients through it. */
  const setup = async (faithful: FaithfulOptions, o: { shards?: number; clients?: number; enforceLimits?: boolean } = {}) => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const proxy = await startLimitProxy({ upstream: h.stack.kinesisEndpoint, port: 0, faithful, now: () => clock.t, enforceLimits: o.enforceLimits ?? true });
    proxies.push(proxy);
    const make = () => {
      const c = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: proxy.endpoint } }), { retryLayer: 'ours' });
      clients.push(c);
      return c;
    };
    const sdk = Array.from({ length: o.clients ?? 1 }, make);
    const stream = `faithful-${++n}`;
    await ensureStream(h.direct, { name: stream, shards: o.shards ?? 1, retentionHours: 24, pollMs: 20 });
    return { clock, proxy, sdk, stream, kinesis: sdk[0]! };
  };
  const iterator = async (k: KinesisClient, stream: string, shardId = 'shardId-000000000000') =>
    (await k.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
  const put = async (k: KinesisClient, stream: string, records: Array<{ key: string; bytes: number }>) => {
    const r = await k.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((x) => ({ PartitionKey: x.key, Data: Buffer.alloc(x.bytes, 7) })) }));
    assert.equal(r.FailedRecordCount, 0);
  };

  it('throttles the 6th GetRecords on a shard within one second, whoever makes it, and admits it a second later', async () => {
    const { clock, proxy, sdk, stream } = await setup({}, { clients: 2 });
    const [a, b] = sdk as [KinesisClient, KinesisClient];
    let itA = await iterator(a, stream);
    let itB = await iterator(b, stream);
    for (const k of [a, b, a, b, a]) {
      if (k === a) itA = (await a.send(new GetRecordsCommand({ ShardIterator: itA }))).NextShardIterator!;
      else itB = (await b.send(new GetRecordsCommand({ ShardIterator: itB }))).NextShardIterator!;
    }
    await assert.rejects(b.send(new GetRecordsCommand({ ShardIterator: itB })), ProvisionedThroughputExceededException);
    assert.equal(proxy.stats.getRecordsThrottledCalls, 1);
    clock.t += 1000;
    await b.send(new GetRecordsCommand({ ShardIterator: itB }));
    assert.equal(proxy.maxReadCallsPerShardSecond(), 5);
    const rows = proxy.readCalls();
    assert.deepEqual(
      rows.map((r) => [r.admitted, r.throttled]),
      [
        [5, 1],
        [1, 0],
      ],
    );
    const overHttp = (await (await fetch(proxy.endpoint + STATS_PATH)).json()) as { getRecordsThrottledCalls: number; maxReadCallsPerShardSecond: number };
    assert.equal(overHttp.getRecordsThrottledCalls, 1);
    assert.equal(overHttp.maxReadCallsPerShardSecond, 5);
  });

  it('answers at most 10 MiB per GetRecords and throttles the shard’s reads for the next 4 s after a 10 MB answer', async () => {
    const { clock, proxy, kinesis, stream } = await setup({});
    const MB = 1_000_000;
    for (let i = 0; i < 12; i++) {
      await put(kinesis, stream, [{ key: `k${i}`, bytes: MB - 10 }]);
      clock.t += 1000; // the 1 MB/s write limit
    }
    const first = await kinesis.send(new GetRecordsCommand({ ShardIterator: await iterator(kinesis, stream) }));
    assert.equal(first.Records!.length, 10, '10 records of 1 MB fit in 10 MiB, the 11th does not');
    assert.ok(first.MillisBehindLatest! > 0, 'a cut answer is behind the tip');
    assert.equal(proxy.stats.truncatedReads, 1);
    clock.t += 3000;
    await assert.rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator! })), ProvisionedThroughputExceededException);
    assert.equal(proxy.stats.getRecordsThrottledBytes, 1);
    clock.t += 1500;
    const rest = await kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator! }));
    assert.deepEqual(
      rest.Records!.map((r) => r.PartitionKey),
      ['k10', 'k11'],
      'the next iterator continues right after the cut',
    );
    assert.equal(rest.MillisBehindLatest, 0);
  });

  it('throttles the 6th GetShardIterator on a shard within one second', async () => {
    const { clock, proxy, kinesis, stream } = await setup({});
    for (let i = 0; i < 5; i++) await iterator(kinesis, stream);
    await assert.rejects(iterator(kinesis, stream), ProvisionedThroughputExceededException);
    assert.equal(proxy.stats.getShardIteratorThrottled, 1);
    clock.t += 1000;
    await iterator(kinesis, stream);
  });

  it('expires iterators after the configured time with ExpiredIteratorException', async () => {
    const { clock, proxy, kinesis, stream } = await setup({ iteratorTtlMs: 60_000 });
    const it0 = await iterator(kinesis, stream);
    clock.t += 60_000;
    const next = (await kinesis.send(new GetRecordsCommand({ ShardIterator: it0 }))).NextShardIterator!;
    clock.t += 1;
    await assert.rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: it0 })), ExpiredIteratorException);
    assert.equal(proxy.stats.expiredIterators, 1);
    await kinesis.send(new GetRecordsCommand({ ShardIterator: next }));
  });

  it('lets a closed shard vanish after the retention: gone from ListShards, ResourceNotFoundException to GetShardIterator and GetRecords', async () => {
    const { clock, proxy, kinesis, stream } = await setup({ shardRetentionMs: 60_000 });
    const parent = 'shardId-000000000000';
    const held = await iterator(kinesis, stream, parent);
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent, NewStartingHashKey: (2n ** 127n).toString() }));
    const list = async () => (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    await waitFor('the parent closed', async () => (await list()).some((s) => s.ShardId === parent && s.SequenceNumberRange?.EndingSequenceNumber), 20_000);
    clock.t += 60_000;
    assert.equal((await list()).length, 3, 'within the retention the parent is still listed');
    await iterator(kinesis, stream, parent);
    clock.t += 1;
    const after = await list();
    assert.deepEqual(after.map((s) => s.ShardId).sort(), ['shardId-000000000001', 'shardId-000000000002']);
    assert.ok(after.every((s) => s.ParentShardId === parent), 'the children still name their parent');
    await assert.rejects(iterator(kinesis, stream, parent), ResourceNotFoundException);
    await assert.rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: held })), ResourceNotFoundException);
    assert.equal(proxy.stats.expiredShardCalls, 2);
  });

  it('answers the 21st DescribeStreamSummary in one second with LimitExceededException', async () => {
    const { clock, proxy, kinesis, stream } = await setup({});
    for (let i = 0; i < 20; i++) await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    await assert.rejects(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream })), LimitExceededException);
    assert.equal(proxy.stats.controlPlaneLimited, 1);
    clock.t += 1000;
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  });

  it('fails ListShards with LimitExceededException while the listShardsFailFraction fault is set, and lists again once it is cleared', async () => {
    const { proxy, kinesis, stream } = await setup({});
    proxy.setFaults({ listShardsFailFraction: 1 });
    await assert.rejects(kinesis.send(new ListShardsCommand({ StreamName: stream })), LimitExceededException);
    assert.equal(proxy.stats.listShardsFailed, 1);
    proxy.setFaults({});
    assert.equal((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards?.length, 1);
  });

  it('reshards on its own when on-demand: splits a shard that is written to, merges it back when idle', async () => {
    const { proxy, kinesis, stream } = await setup({ onDemand: { intervalMs: 200, splitAboveBytesPerSec: 0, mergeBelowBytesPerSec: 1, minShards: 1, maxShards: 2 } }, { enforceLimits: false });
    const open = async () => (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards!.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).length;
    await put(kinesis, stream, [{ key: 'a', bytes: 100 }]);
    await waitFor('an on-demand split', async () => proxy.stats.onDemandSplits > 0 && (await open()) === 2, 30_000);
    await waitFor('an on-demand merge', async () => proxy.stats.onDemandMerges > 0 && (await open()) === 1, 30_000);
  });
});
