import assert from 'node:assert/strict';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { after, before, describe, it } from 'node:test';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { resetLeases } from '../../src/coordinator/resetLeases.ts';
import type { CoordinatorOptions } from '../../src/coordinator/CoordinatorOptions.ts';
import { runConsumer, type ConsumerHandle } from '../../src/coordinator/runConsumer.ts';
import type { ShardContext, ShardProcessor } from '../../src/coordinator/ShardProcessor.ts';
import { StreamRecreatedError } from '../../src/coordinator/verifyStreamIdentity.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { startLimitProxy, type FaithfulOptions, type LimitProxy } from '../../src/local/startLimitProxy.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { checkExactlyOnceInOrder, envsFor, fastCoordinator, putRecords, silentLog, waitFor, type Env, type TestRecord } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

/** A Kinesis client through `proxy`, without SDK retries (the reader paces throttling itself). */
const viaProxy = (proxy: LimitProxy): KinesisClient => createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: proxy.endpoint } }), { retryLayer: 'ours' });

/** GetRecords and GetShardIterator calls the proxy answered ProvisionedThroughputExceededException. */
const throttledReads = (p: LimitProxy) => p.stats.getRecordsThrottledCalls + p.stats.getRecordsThrottledBytes + p.stats.getShardIteratorThrottled;

type Seen = Array<{ pk: string; n: number; shard: string }>;

/**
 * Runs `body` with its own faithful proxy in front of the stack's kinesalite (src/local/startLimitProxy.ts:
 * AWS's read limits shared by every caller, GetShardIterator and control-plane quotas, expiring
 * iterators and shards) and a client through it. The test data is written to kinesalite directly.
 */
async function withProxy(faithful: FaithfulOptions, body: (proxy: LimitProxy, client: KinesisClient) => Promise<void>): Promise<void> {
  const proxy = await startLimitProxy({ upstream: stack.kinesisEndpoint, port: 0, faithful });
  const client = viaProxy(proxy);
  try {
    await body(proxy, client);
  } finally {
    client.destroy();
    await proxy.close();
  }
}

/** Remembers what each application applied, committing the checkpoint per batch. */
function memoryApp(seen: Seen, gate?: () => Promise<void>) {
  return (ctx: ShardContext): ShardProcessor => ({
    async processBatch(records: ConsumedRecord[]) {
      await gate?.();
      await ctx.commit(records[records.length - 1]!, async () => {
        for (const r of records) {
          const d = JSON.parse(r.data.toString()) as TestRecord;
          seen.push({ pk: d.k, n: d.n, shard: r.shardId });
        }
      });
    },
  });
}

function worker(env: Env, client: KinesisClient, app: string, processor: ReturnType<typeof memoryApp>, over: Partial<CoordinatorOptions>): ConsumerHandle {
  return runConsumer({ app, processor, options: { ...fastCoordinator, ...over }, initialPosition: { type: 'TRIM_HORIZON' }, deps: { store: env.store, kinesis: sdkKinesisReadPort(client, env.stream), log: silentLog } });
}

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`reading within AWS's read limits (${dialect}; read limits by the faithful proxy)`, () => {
    const env = envsFor(() => stack, dialect);

    const twoApps: Array<{ name: string; share: number; check: (proxy: LimitProxy, a: ConsumerHandle, b: ConsumerHandle) => void }> = [
      {
        // Each believes it has the whole shard (share 1): together they ask for twice what the shard gives.
        name: 'two applications over-subscribing a shard are throttled: they slow down, count it, and still apply every record once in order',
        share: 1,
        check(proxy, a, b) {
          assert.ok(throttledReads(proxy) > 0, `the proxy throttled ${throttledReads(proxy)} of ${proxy.stats.getRecords} GetRecords calls`);
          assert.equal(a.counters.readsThrottled + b.counters.readsThrottled, throttledReads(proxy), 'every throttled call counted');
          assert.equal(a.counters.processorErrors + b.counters.processorErrors, 0, 'throttling is never an error path');
          assert.equal(a.counters.leasesLost + b.counters.leasesLost, 0);
        },
      },
      {
        name: 'applications whose shares sum to 1 stay within 5 calls per second per shard',
        share: 0.5,
        check(proxy) {
          // Calls asked for, admitted or not, in any sliding 1-s window: the proxy admitting at most 5 proves nothing by itself.
          assert.ok(proxy.maxReadCallsInAnySecond() <= 5, `up to ${proxy.maxReadCallsInAnySecond()} GetRecords calls in one second on one shard`);
        },
      },
    ];
    for (const c of twoApps) {
      it(c.name, { timeout: 180_000 }, async (t) => {
        const e = await env(2, t);
        if (!e) return;
        await withProxy({ readLimits: { callsPerSec: 5, bytesPerSec: 16 * 1024 } }, async (proxy, client) => {
          const records = await putRecords(e, { keys: 60, perKey: 40, aggregate: 5 });
          const seenA: Seen = [];
          const seenB: Seen = [];
          const pacing = { intervalMs: 200, share: c.share, shardBytesPerSec: 16 * 1024 };
          const a = worker(e, client, 'app-a', memoryApp(seenA), pacing);
          const b = worker(e, client, 'app-b', memoryApp(seenB), pacing);
          await waitFor('both applications read everything', () => seenA.length >= records.length && seenB.length >= records.length, 150_000);
          await Promise.all([a.stop(), b.stop()]);
          assert.deepEqual(checkExactlyOnceInOrder(seenA, records), []);
          assert.deepEqual(checkExactlyOnceInOrder(seenB, records), []);
          c.check(proxy, a, b);
        });
      });
    }

    it('a shard gone past the retention is the end of it: logged, counted, and its children start', { timeout: 180_000 }, async (t) => {
      const e = await env(1, t);
      if (!e) return;
      // Closed shards expire 1.5 s after the proxy sees them closed (AWS: the retention period, ≥ 24 h); the reads are not limited here.
      await withProxy({ readLimits: { callsPerSec: 1000, bytesPerSec: 1024 ** 3 }, shardRetentionMs: 1_500, shardPollMs: 100 }, async (proxy, client) => {
        const wave1 = await putRecords(e, { keys: 20, perKey: 5 });
        const seen: Seen = [];
        // The consumer falls behind: its first batch of the parent waits until the parent has expired.
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let batches = 0;
        const w = worker(e, client, 'slow-app', memoryApp(seen, () => (batches++ === 0 ? released : Promise.resolve())), { maxRecordsPerFetch: 10 });
        await waitFor('the first batch is being processed', () => batches > 0);
        const leases = new LeaseStore(e.store);
        const [parent] = await leases.listLeases('slow-app');
        const mid = ((BigInt(parent!.hashStart) + BigInt(parent!.hashEnd)) / 2n).toString();
        await e.kinesis.send(new SplitShardCommand({ StreamName: e.stream, ShardToSplit: parent!.shardId, NewStartingHashKey: mid }));
        await ensureStream(e.kinesis, { name: e.stream, shards: 1, retentionHours: 24, pollMs: 20 });
        const wave2 = await putRecords(e, { keys: 20, perKey: 5, startN: 5 });
        await waitFor(
          'the parent is past the retention: gone from ListShards',
          async () => !(await sdkKinesisReadPort(client, e.stream).listShards()).some((s) => s.shardId === parent!.shardId),
          30_000,
        );
        release();
        await waitFor('the children read everything after the split', () => wave2.every((r) => seen.some((s) => s.pk === r.k && s.n === r.n)), 60_000);
        await w.stop();
        assert.equal(w.counters.shardsExpired, 1);
        assert.equal(w.counters.processorErrors, 0, 'the gone shard is not an error');
        const final = await leases.listLeases('slow-app');
        assert.equal(final.find((l) => l.shardId === parent!.shardId)?.state, 'ended');
        // Only the first batch of wave 1 was read before the parent expired; the rest of it is gone, as on AWS.
        assert.ok(seen.filter((s) => s.shard === parent!.shardId).length < wave1.length);
        const fromChildren = seen.filter((s) => s.shard !== parent!.shardId);
        assert.deepEqual(checkExactlyOnceInOrder(fromChildren, wave2), []);
      });
    });

    it('while ListShards fails, workers still renew, take, balance and read from the lease table', { timeout: 180_000 }, async (t) => {
      const e = await env(4, t);
      if (!e) return;
      await withProxy({ readLimits: { callsPerSec: 1000, bytesPerSec: 1024 ** 3 } }, async (proxy, client) => {
        const seen: Seen = [];
        const a = worker(e, client, 'sync-app', memoryApp(seen), {});
        await waitFor('the first worker holds every shard', () => a.shards().length === 4);
        proxy.setFaults({ listShardsFailFraction: 1 });
        const b = worker(e, client, 'sync-app', memoryApp(seen), {});
        await waitFor('the second worker takes its share without ever listing shards', () => b.shards().length === 2 && a.shards().length === 2, 60_000);
        const records = await putRecords(e, { keys: 40, perKey: 5 });
        await waitFor('records read', () => seen.length >= records.length);
        assert.ok(b.counters.shardSyncFailures > 0 && proxy.stats.listShardsFailed > 0, 'its ListShards calls failed');
        proxy.setFaults({});
        await Promise.all([a.stop(), b.stop()]);
        assert.deepEqual(checkExactlyOnceInOrder(seen, records), []);
        // That renewal goes on meanwhile (no lease lost) is checked on a manual clock in runConsumer.unit.test.ts.
      });
    });

    it('a stream deleted and re-created under the same name is refused at start, naming the command that resets the leases', { timeout: 120_000 }, async (t) => {
      const e = await env(1, t);
      if (!e) return;
      // The workers and the delete / re-create go through the faithful proxy (its DeleteStream / CreateStream forget the old stream's state, as AWS does).
      await withProxy({}, async (_proxy, client) => {
        const records = await putRecords(e, { keys: 5, perKey: 2 });
        const seen: Seen = [];
        const first = worker(e, client, 're-app', memoryApp(seen), {});
        await waitFor('first stream read', () => seen.length >= records.length);
        await first.stop();
        const created = (await e.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: e.stream }))).StreamDescriptionSummary!.StreamCreationTimestamp!.getTime();
        await client.send(new DeleteStreamCommand({ StreamName: e.stream }));
        await waitFor('stream deleted', async () => !(await e.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: e.stream })).catch(() => undefined)));
        // kinesalite keeps creation times in whole seconds, dated 2 s back: the new stream must get a later one.
        await waitFor('a later creation second', () => Date.now() >= created + 3_000);
        await client.send(new CreateStreamCommand({ StreamName: e.stream, ShardCount: 1 }));
        await ensureStream(e.kinesis, { name: e.stream, shards: 1, retentionHours: 24, pollMs: 20 });
        const second = worker(e, client, 're-app', memoryApp(seen), {});
        const err = await second.done.then(
          () => undefined,
          (x: unknown) => x,
        );
        assert.ok(err instanceof StreamRecreatedError, String(err));
        assert.match(err.message, /re-created/);
        assert.match(err.message, /centos reset-leases --app re-app --yes/);
        assert.ok((await new LeaseStore(e.store).listLeases('re-app')).every((l) => l.owner === null), 'the refused worker took no lease');
        await resetLeases(e.store, 're-app', Date.now(), fastCoordinator.leaseDurationMs);
        const again = await putRecords(e, { keys: 5, perKey: 2, startN: 10 });
        const third = worker(e, client, 're-app', memoryApp(seen), {});
        await waitFor('the new stream read after the reset', () => again.every((r) => seen.some((s) => s.pk === r.k && s.n === r.n)));
        await third.stop();
      });
    });
  });
}
