import assert from 'node:assert/strict';
import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { after, before, describe, it } from 'node:test';
import { LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { checkExactlyOnceInOrder, makeEnv, putRecords, recorder, seenRows, startWorker, waitFor, type Env, envsFor } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`coordinator on ${dialect}`, () => {
    const env = envsFor(() => stack, dialect);

    it('one worker reads every record of every shard exactly once, in per-key order', async (t) => {
      const e = await env(4, t);
      if (!e) return;
      const expected = await putRecords(e, { keys: 40, perKey: 25 });
      const w = startWorker(e);
      await waitFor('all records', async () => (await seenRows(e)).length >= expected.length);
      await w.stop();
      assert.deepEqual(checkExactlyOnceInOrder(await seenRows(e), expected), []);
      const leases = await new LeaseStore(e.store).listLeases('test-app');
      assert.equal(leases.length, 4);
      assert.ok(leases.every((l) => l.owner === null && l.checkpoint), 'released with checkpoints');
      assert.equal(w.counters.leasesLost, 0, 'a graceful stop loses no lease (releasing is not mistaken for losing)');
      assert.equal((await new LeaseStore(e.store).listWorkers('test-app')).length, 0, 'worker row removed on stop');
    });

    it('three workers share six shards evenly, and a crashed worker\'s shards resume elsewhere without loss', async (t) => {
      const e = await env(6, t);
      if (!e) return;
      const first = await putRecords(e, { keys: 30, perKey: 10 });
      const workers = [startWorker(e), startWorker(e), startWorker(e)];
      await waitFor('balanced', () => workers.every((w) => w.shards().length === 2), 60_000);
      await waitFor('first wave', async () => (await seenRows(e)).length >= first.length);
      workers[0]!.abandon();
      const second = await putRecords(e, { keys: 30, perKey: 10, startN: 10 });
      await waitFor('takeover', () => workers[1]!.shards().length + workers[2]!.shards().length === 6, 60_000);
      await waitFor('second wave', async () => (await seenRows(e)).length >= first.length + second.length);
      await Promise.all([workers[1]!.stop(), workers[2]!.stop()]);
      assert.deepEqual(checkExactlyOnceInOrder(await seenRows(e), [...first, ...second]), []);
      assert.ok(workers[1]!.counters.leasesTaken + workers[2]!.counters.leasesTaken >= 6);
    });

    it('a graceful stop hands shards off within a planner cycle or two, not a lease timeout', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      const a = startWorker(e, recorder(), { leaseDurationMs: 30_000 });
      await waitFor('a owns both', () => a.shards().length === 2);
      const b = startWorker(e, recorder(), { leaseDurationMs: 30_000 });
      await waitFor('b steals one', () => b.shards().length === 1 && a.shards().length === 1, 10_000);
      const t0 = Date.now();
      await a.stop();
      await waitFor('b owns both', () => b.shards().length === 2, 10_000);
      const handoffMs = Date.now() - t0;
      assert.ok(handoffMs < 30_000, `hand-off took ${handoffMs} ms, far below the 30 s lease`);
      const expected = await putRecords(e, { keys: 10, perKey: 5 });
      await waitFor('records', async () => (await seenRows(e)).length >= expected.length);
      await b.stop();
      assert.deepEqual(checkExactlyOnceInOrder(await seenRows(e), expected), []);
    });

    it('a zombie that lost its lease can commit nothing; the new owner carries on', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let paused = 0;
      let zombieError: unknown;
      const zombie = startWorker(
        e,
        recorder({
          beforeCommit: async () => {
            paused++;
            if (paused === 1) await gate;
          },
        }),
      );
      const expected = await putRecords(e, { keys: 5, perKey: 4 });
      await waitFor('zombie paused inside a batch', () => paused === 1);
      const leases = new LeaseStore(e.store);
      const [lease] = await leases.listLeases('test-app');
      // The zombie's process was paused past its lease; another worker took the shard over.
      const newEpoch = await leases.claim('test-app', lease!.shardId, 'usurper', lease!.epoch, 60_000, zombie.workerId);
      assert.equal(newEpoch, lease!.epoch + 1);
      await assert.rejects(leases.fencedCommit('test-app', lease!.shardId, zombie.workerId, lease!.epoch, { seq: '1', sub: 0, last: true }), LeaseLostError);
      release();
      await waitFor('zombie drops the shard', () => zombie.shards().length === 0);
      assert.equal(zombie.counters.leasesLost, 1);
      assert.equal((await seenRows(e)).length, 0, 'the zombie wrote nothing');
      await zombie.stop().catch((err) => (zombieError = err));
      assert.equal(zombieError, undefined);
      // The usurper's lease expires; a fresh worker takes over from the last real checkpoint.
      await leases.release('test-app', lease!.shardId, 'usurper', newEpoch!);
      const next = startWorker(e);
      await waitFor('all records', async () => (await seenRows(e)).length >= expected.length);
      await next.stop();
      const rows = await seenRows(e);
      assert.deepEqual(checkExactlyOnceInOrder(rows, expected), []);
      assert.ok(rows.every((r) => r.worker === next.workerId && Number(r.epoch) === newEpoch! + 1));
    });

    // That renewal keeps the lease through such a batch is checked on a manual clock in runConsumer.unit.test.ts;
    // here, on the real stack and real time, the outcome must hold whether or not a stall cost the lease.
    it('a batch that runs longer than the lease: every record once, in order, and the watchdog reports the batch', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      let slow = true;
      const inner = recorder();
      const w = startWorker(
        e,
        (ctx) => {
          const p = inner(ctx);
          return {
            async processBatch(records, info) {
              if (slow) {
                slow = false;
                await new Promise((r) => setTimeout(r, 3_500));
              }
              return p.processBatch(records, info);
            },
          };
        },
        { leaseDurationMs: 1_000, renewIntervalMs: 200, watchdogMs: 500 },
      );
      const other = startWorker(e, recorder(), { leaseDurationMs: 1_000, renewIntervalMs: 200 });
      const expected = await putRecords(e, { keys: 10, perKey: 3 });
      await waitFor('all records', async () => (await seenRows(e)).length >= expected.length);
      await Promise.all([w.stop(), other.stop()]);
      assert.ok(w.counters.stuckBatches >= 1, 'the watchdog reported the batch');
      assert.deepEqual(checkExactlyOnceInOrder(await seenRows(e), expected), []);
    });

    it('split and merge during consumption: parents finish before children, per-key order intact', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      const w = startWorker(e);
      const wave1 = await putRecords(e, { keys: 40, perKey: 5 });
      await waitFor('wave 1', async () => (await seenRows(e)).length >= wave1.length);
      const leases = new LeaseStore(e.store);
      const [s0, s1] = await leases.listLeases('test-app');
      // Split shard 0 in the middle of its range.
      const mid = ((BigInt(s0!.hashStart) + BigInt(s0!.hashEnd)) / 2n).toString();
      await e.kinesis.send(new SplitShardCommand({ StreamName: e.stream, ShardToSplit: s0!.shardId, NewStartingHashKey: mid }));
      await ensureStream(e.kinesis, { name: e.stream, shards: 2, retentionHours: 24, pollMs: 20 });
      const wave2 = await putRecords(e, { keys: 40, perKey: 5, startN: 5 });
      await waitFor('split children leased', async () => (await leases.listLeases('test-app')).filter((l) => l.parentIds.includes(s0!.shardId)).length === 2);
      await waitFor('wave 2', async () => (await seenRows(e)).length >= wave1.length + wave2.length);
      // Merge the other original shard with its adjacent split child.
      const all = await leases.listLeases('test-app');
      const upperChild = all.find((l) => l.parentIds.includes(s0!.shardId) && l.hashEnd === s0!.hashEnd)!;
      await e.kinesis.send(new MergeShardsCommand({ StreamName: e.stream, ShardToMerge: upperChild.shardId, AdjacentShardToMerge: s1!.shardId }));
      await ensureStream(e.kinesis, { name: e.stream, shards: 2, retentionHours: 24, pollMs: 20 });
      const wave3 = await putRecords(e, { keys: 40, perKey: 5, startN: 10 });
      await waitFor('wave 3', async () => (await seenRows(e)).length >= wave1.length + wave2.length + wave3.length, 30_000);
      await w.stop();
      const rows = await seenRows(e);
      assert.deepEqual(checkExactlyOnceInOrder(rows, [...wave1, ...wave2, ...wave3]), []);
      const final = await leases.listLeases('test-app');
      const merged = final.find((l) => l.parentIds.length === 2)!;
      assert.ok(merged, 'merge child has both parents');
      const parents = final.filter((l) => merged.parentIds.includes(l.shardId));
      assert.ok(parents.every((p) => p.state === 'ended' && p.checkpoint?.seq === 'SHARD_END'), 'both parents ended at SHARD_END');
      // Nothing from a child was applied before its parents' last record.
      const lastIdOf = (shard: string) => Math.max(...rows.filter((r) => r.shard_id === shard).map((r) => Number(r.id)));
      const firstIdOf = (shard: string) => Math.min(...rows.filter((r) => r.shard_id === shard).map((r) => Number(r.id)));
      for (const l of final) {
        if (!rows.some((r) => r.shard_id === l.shardId)) continue;
        for (const p of l.parentIds) if (rows.some((r) => r.shard_id === p)) assert.ok(firstIdOf(l.shardId) > lastIdOf(p), `${l.shardId} started after parent ${p} ended`);
      }
    });

    it('aggregated and plain records mixed; a checkpoint inside an aggregate resumes at the next sub-record', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const plain = await putRecords(e, { keys: 3, perKey: 4, keyPrefix: 'plain' });
      const aggregated = await putRecords(e, { keys: 3, perKey: 20, aggregate: 10, keyPrefix: 'agg' });
      let commits = 0;
      // Commit every 7 records so checkpoints land mid-aggregate; crash after the third commit.
      const w1 = startWorker(
        e,
        recorder({
          commitEvery: 7,
          beforeCommit: async () => {
            commits++;
            if (commits === 4) {
              w1.abandon();
              await new Promise(() => {});
            }
          },
        }),
      );
      await waitFor('crash after three commits', () => commits === 4);
      const [lease] = await new LeaseStore(e.store).listLeases('test-app');
      assert.equal(lease!.checkpoint?.last, false, 'the checkpoint is inside an aggregate');
      assert.ok(lease!.checkpoint!.sub > 0);
      const w2 = startWorker(e);
      await waitFor('all records', async () => (await seenRows(e)).length >= plain.length + aggregated.length);
      await w2.stop();
      const rows = await seenRows(e);
      assert.deepEqual(checkExactlyOnceInOrder(rows, [...plain, ...aggregated]), []);
      assert.ok(rows.some((r) => Number(r.sub) > 0), 'sub-sequence numbers recorded');
    });
  });
}
