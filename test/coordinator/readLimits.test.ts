import assert from 'node:assert/strict';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { after, before, describe, it } from 'node:test';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import type { ConsumedRecord } from '../../src/coordinator/deaggregate.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { resetLeases } from '../../src/coordinator/resetLeases.ts';
import { runConsumer, type ConsumerHandle, type CoordinatorOptions, type ShardContext, type ShardProcessor } from '../../src/coordinator/runConsumer.ts';
import { StreamRecreatedError } from '../../src/coordinator/verifyStreamIdentity.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { checkExactlyOnceInOrder, envsFor, fastCoordinator, putRecords, silentLog, waitFor, type Env, type TestRecord } from '../helpers/consumerHarness.ts';
import { startReadLimitShim, type ReadLimitShim } from '../helpers/readLimitShim.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

/** A Kinesis client through `shim`, without SDK retries (the reader paces throttling itself). */
const viaShim = (shim: ReadLimitShim): KinesisClient => createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: shim.endpoint } }), { maxAttempts: 1 });

type Seen = Array<{ pk: string; n: number; shard: string }>;

/** Runs `body` with a read-limit shim in front of kinesalite and a client through it. */
async function withShim(o: { callsPerSec?: number; bytesPerSec?: number }, body: (shim: ReadLimitShim, client: KinesisClient) => Promise<void>): Promise<void> {
  const shim = await startReadLimitShim({ upstream: stack.kinesisEndpoint, ...o });
  const client = viaShim(shim);
  try {
    await body(shim, client);
  } finally {
    client.destroy();
    await shim.close();
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
  describe(`reading within AWS's read limits (${dialect}; read limits by the test shim until the faithful stack lands)`, () => {
    const env = envsFor(() => stack, dialect);

    const twoApps: Array<{ name: string; share: number; check: (shim: ReadLimitShim, a: ConsumerHandle, b: ConsumerHandle) => void }> = [
      {
        // Each believes it has the whole shard (share 1): together they ask for twice what the shard gives.
        name: 'two applications over-subscribing a shard are throttled: they slow down, count it, and still apply every record once in order',
        share: 1,
        check(shim, a, b) {
          assert.ok(shim.stats.throttled > 0, `the shim throttled ${shim.stats.throttled} of ${shim.stats.getRecords} calls`);
          assert.equal(a.counters.readsThrottled + b.counters.readsThrottled, shim.stats.throttled, 'every throttled call counted');
          assert.equal(a.counters.processorErrors + b.counters.processorErrors, 0, 'throttling is never an error path');
          assert.equal(a.counters.leasesLost + b.counters.leasesLost, 0);
        },
      },
      {
        name: 'applications whose shares sum to 1 stay within 5 calls per second per shard',
        share: 0.5,
        check(shim) {
          assert.ok(shim.maxCallsPerSecond() <= 5, `up to ${shim.maxCallsPerSecond()} GetRecords calls in one second on one shard`);
        },
      },
    ];
    for (const c of twoApps) {
      it(c.name, { timeout: 180_000 }, async (t) => {
        const e = await env(2, t);
        if (!e) return;
        await withShim({ bytesPerSec: 16 * 1024 }, async (shim, client) => {
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
          c.check(shim, a, b);
        });
      });
    }

    it('a shard gone past the retention is the end of it: logged, counted, and its children start', { timeout: 180_000 }, async (t) => {
      const e = await env(1, t);
      if (!e) return;
      await withShim({ callsPerSec: 1000, bytesPerSec: 1024 ** 3 }, async (shim, client) => {
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
        shim.expire([parent!.shardId]);
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
      await withShim({ callsPerSec: 1000, bytesPerSec: 1024 ** 3 }, async (shim, client) => {
        const seen: Seen = [];
        const a = worker(e, client, 'sync-app', memoryApp(seen), {});
        await waitFor('the first worker holds every shard', () => a.shards().length === 4);
        shim.refuseListShards(true);
        const b = worker(e, client, 'sync-app', memoryApp(seen), {});
        await waitFor('the second worker takes its share without ever listing shards', () => b.shards().length === 2 && a.shards().length === 2, 60_000);
        const records = await putRecords(e, { keys: 40, perKey: 5 });
        await waitFor('records read', () => seen.length >= records.length);
        assert.ok(b.counters.shardSyncFailures > 0, 'its ListShards calls failed');
        shim.refuseListShards(false);
        await Promise.all([a.stop(), b.stop()]);
        assert.deepEqual(checkExactlyOnceInOrder(seen, records), []);
        assert.equal(a.counters.leasesLost + b.counters.leasesLost, 0, 'renewal went on');
      });
    });

    it('a stream deleted and re-created under the same name is refused at start, naming the command that resets the leases', { timeout: 120_000 }, async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const records = await putRecords(e, { keys: 5, perKey: 2 });
      const seen: Seen = [];
      const first = worker(e, e.kinesis, 're-app', memoryApp(seen), {});
      await waitFor('first stream read', () => seen.length >= records.length);
      await first.stop();
      const created = (await e.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: e.stream }))).StreamDescriptionSummary!.StreamCreationTimestamp!.getTime();
      await e.kinesis.send(new DeleteStreamCommand({ StreamName: e.stream }));
      await waitFor('stream deleted', async () => !(await e.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: e.stream })).catch(() => undefined)));
      // kinesalite keeps creation times in whole seconds, dated 2 s back: the new stream must get a later one.
      await waitFor('a later creation second', () => Date.now() >= created + 3_000);
      await e.kinesis.send(new CreateStreamCommand({ StreamName: e.stream, ShardCount: 1 }));
      await ensureStream(e.kinesis, { name: e.stream, shards: 1, retentionHours: 24, pollMs: 20 });
      const second = worker(e, e.kinesis, 're-app', memoryApp(seen), {});
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
      const third = worker(e, e.kinesis, 're-app', memoryApp(seen), {});
      await waitFor('the new stream read after the reset', () => again.every((r) => seen.some((s) => s.pk === r.k && s.n === r.n)));
      await third.stop();
    });
  });
}
