import assert from 'node:assert/strict';
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { ArchiveManifest } from '../../src/archive/ArchiveManifest.ts';
import type { ArchiveOptions } from '../../src/archive/ArchiveProcessor.ts';
import { parseArchiveKey } from '../../src/archive/archiveKey.ts';
import { cleanupArchiveOrphans } from '../../src/archive/cleanupArchiveOrphans.ts';
import { ObjectStoreError, type ObjectStore } from '../../src/archive/ObjectStore.ts';
import { createS3Client } from '../../src/aws/awsClients.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { ensureBucket } from '../../src/setup/ensureBucket.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { ARCHIVE_APP, checkArchive, committedLines, committedRecordCount, objectStoreFor, putEvents, startArchiver } from '../helpers/archiveHarness.ts';
import { makeEnv, waitFor, type Env, envsFor } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const BUCKET = 'centos-archive';
let stack: TestStack;
let s3: S3Client;
let objects: ObjectStore;
before(async () => {
  stack = await startTestStack();
  s3 = createS3Client(stack.settings().config);
  await ensureBucket(s3, BUCKET);
  objects = objectStoreFor(s3, BUCKET);
});
after(async () => {
  s3.destroy();
  await stack.close();
});

const fast = { initialMs: 20, maxMs: 200 };
const opts = (prefix: string, flush: Partial<ArchiveOptions['flush']>, compression: ArchiveOptions['compression'] = 'gzip'): ArchiveOptions => ({
  prefix,
  compression,
  flush: { maxBytes: 5 * 1024 * 1024, maxRecords: 100_000, maxAgeMs: 60_000, ...flush },
});

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of objects.list(`${prefix}/`)) keys.push(o.key);
  return keys.sort();
}

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`archive consumer on ${dialect}`, () => {
    const env = envsFor(() => stack, dialect);

    it('archives every record exactly once, in shard order, flushing by count; invalid records kept raw', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      const prefix = `count-${e.stream}`;
      const expected = await putEvents(e, 300, { garbage: ['not json', '{"k":"user-1","n":1}'] });
      const w = startArchiver(e, opts(prefix, { maxRecords: 40 }), { objectStore: objects, now: Date.now, retry: fast });
      await waitFor('all read', () => w.counters.records >= expected.length);
      await w.stop();
      const lines = await committedLines(e, objects);
      assert.deepEqual(checkArchive(lines, expected), []);
      assert.equal(lines.filter((l) => l.event === null).length, 2);
      const entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      assert.ok(entries.every((m) => m.records <= 40), 'no object above the count limit');
      assert.ok(entries.filter((m) => m.records === 40).length >= 6, 'objects cut at the count limit');
      assert.equal(entries.reduce((n, m) => n + m.invalid, 0), 2);
      assert.deepEqual(await listKeys(prefix), entries.map((m) => m.key).sort(), 'every object in the bucket is committed');
      const leases = await new LeaseStore(e.store).listLeases(ARCHIVE_APP);
      for (const l of leases) {
        const lastOfShard = entries.filter((m) => m.shardId === l.shardId).at(-1)!;
        assert.deepEqual({ seq: l.checkpoint?.seq, sub: l.checkpoint?.sub }, lastOfShard.last, 'checkpoint at the last committed record');
      }
    });

    it('flushes by size and by age, and what is buffered at shutdown', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const prefix = `size-${e.stream}`;
      const first = await putEvents(e, 60, { seed: 1 });
      const bySize = startArchiver(e, opts(prefix, { maxBytes: 4096 }, 'none'), { objectStore: objects, now: Date.now, retry: fast });
      await waitFor('first batch read', () => bySize.counters.records >= first.length);
      await bySize.stop();
      let entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      assert.ok(entries.length >= 3);
      const maxLine = 1024;
      for (const m of entries.slice(0, -1)) assert.ok(m.rawBytes >= 4096 && m.rawBytes < 4096 + maxLine, `cut at the size limit: ${m.rawBytes}`);
      assert.ok(entries.at(-1)!.rawBytes < 4096 + maxLine, 'the rest flushed at shutdown');
      assert.equal(await committedRecordCount(e), first.length);

      const second = await putEvents(e, 25, { seed: 2 });
      const byAge = startArchiver(e, opts(prefix, { maxAgeMs: 300 }), { objectStore: objects, now: Date.now, retry: fast });
      // No size or count limit is near; only the age timer can write these while the worker runs.
      await waitFor('age flush', async () => (await committedRecordCount(e)) === first.length + second.length);
      await byAge.stop();
      entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      assert.ok(entries.at(-1)!.key.endsWith('.jsonl.gz'));
      assert.deepEqual(checkArchive(await committedLines(e, objects), [...first, ...second]), []);
    });

    it('within a memory budget: objects are cut at half the shard\'s share, so reading goes on without waiting for the age limit', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const prefix = `budget-${e.stream}`;
      const events = await putEvents(e, 80, { seed: 3 });
      // One shard holds the whole 8 KiB budget; the buffer counts against it until committed.
      const w = startArchiver(e, opts(prefix, { maxAgeMs: 600_000 }, 'none'), { objectStore: objects, now: Date.now, retry: fast }, { memoryBudgetBytes: 8192 });
      // 80 events are several times the budget: they can only all be read if objects are committed on the way.
      await waitFor('every record read while running', () => w.counters.records >= events.length);
      assert.ok((await committedRecordCount(e)) > events.length / 2, 'most were committed before the stop');
      await w.stop();
      const entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      assert.ok(entries.length >= 3, `${entries.length} objects`);
      for (const m of entries) assert.ok(m.rawBytes < 4096 + 1024, `cut at half the share: ${m.rawBytes}`);
      assert.deepEqual(checkArchive(await committedLines(e, objects), events), []);
    });

    it('a zombie that uploaded but lost its lease before committing commits nothing; cleanup deletes its object', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const prefix = `zombie-${e.stream}`;
      const expected = await putEvents(e, 90, { seed: 3 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const uploaded: string[] = [];
      const zombie = startArchiver(e, opts(prefix, { maxRecords: 20 }), {
        objectStore: objects,
        now: Date.now,
        retry: fast,
        beforeCommit: async (o) => {
          uploaded.push(o.key);
          await gate;
        },
      });
      await waitFor('zombie uploaded its first object', () => uploaded.length === 1);
      const leases = new LeaseStore(e.store);
      const [lease] = await leases.listLeases(ARCHIVE_APP);
      const newEpoch = await leases.claim(ARCHIVE_APP, lease!.shardId, 'usurper', lease!.epoch, 60_000, zombie.workerId);
      assert.equal(newEpoch, lease!.epoch + 1);
      release();
      await waitFor('zombie drops the shard', () => zombie.shards().length === 0);
      await zombie.stop();
      assert.equal((await new ArchiveManifest(e.store).list(ARCHIVE_APP)).length, 0, 'the zombie committed nothing');
      assert.deepEqual(await listKeys(prefix), uploaded, 'its object is in the bucket, uncommitted');

      // Nothing is deletable while the checkpoint has not passed the orphan's records.
      const early = await cleanupArchiveOrphans({ store: e.store, objectStore: objects, app: ARCHIVE_APP, prefix, graceMs: 0, now: Date.now });
      assert.deepEqual(early.deleted, []);
      assert.equal(early.kept, 1);

      await leases.release(ARCHIVE_APP, lease!.shardId, 'usurper', newEpoch!);
      // The new owner cuts its objects elsewhere (30 records), so the zombie's key is not one of them.
      const next = startArchiver(e, opts(prefix, { maxRecords: 30 }), { objectStore: objects, now: Date.now, retry: fast });
      await waitFor('all committed', async () => (await committedRecordCount(e)) >= expected.length);
      await next.stop();
      const entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      assert.ok(entries.every((m) => m.epoch === newEpoch! + 1 && m.workerId === next.workerId));
      assert.ok(!entries.some((m) => m.key === uploaded[0]));
      assert.deepEqual(checkArchive(await committedLines(e, objects), expected), []);

      const young = await cleanupArchiveOrphans({ store: e.store, objectStore: objects, app: ARCHIVE_APP, prefix, graceMs: 60_000, now: Date.now });
      assert.deepEqual(young.deleted, [], 'within the grace period nothing is deleted');
      const r = await cleanupArchiveOrphans({ store: e.store, objectStore: objects, app: ARCHIVE_APP, prefix, graceMs: 0, now: () => Date.now() + 1000 });
      assert.deepEqual(r.deleted, uploaded);
      assert.equal(r.committed, entries.length);
      assert.deepEqual(await listKeys(prefix), entries.map((m) => m.key).sort());
      assert.deepEqual(checkArchive(await committedLines(e, objects), expected), [], 'the committed archive is untouched');
    });

    it('a crash between upload and commit: the restarted worker writes the same key with the same bytes, no duplicates', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const prefix = `crash-${e.stream}`;
      const expected = await putEvents(e, 70, { seed: 4 });
      let crashedKey: string | undefined;
      let crashedBytes: Buffer | undefined;
      const w1 = startArchiver(e, opts(prefix, { maxRecords: 25 }), {
        objectStore: objects,
        now: Date.now,
        retry: fast,
        beforeCommit: async (o) => {
          crashedBytes = await objects.get(o.key);
          crashedKey = o.key;
          // Dies here: nothing after the upload runs.
          w1.abandon();
          throw new Error('killed');
        },
      });
      await waitFor('crash after the first upload', () => crashedKey !== undefined);
      assert.equal(await committedRecordCount(e), 0);
      const w2 = startArchiver(e, opts(prefix, { maxRecords: 25 }), { objectStore: objects, now: Date.now, retry: fast });
      await waitFor('all read', () => w2.counters.records >= expected.length);
      await w2.stop();
      const entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      assert.equal(entries[0]!.key, crashedKey);
      assert.deepEqual(await objects.get(crashedKey!), crashedBytes, 'rewritten byte for byte');
      assert.deepEqual(checkArchive(await committedLines(e, objects), expected), []);
      assert.deepEqual(await listKeys(prefix), entries.map((m) => m.key).sort(), 'no orphan left');

      // A restart after a clean stop resumes from the checkpoint without duplicates.
      const more = await putEvents(e, 30, { seed: 5 });
      const w3 = startArchiver(e, opts(prefix, { maxRecords: 25 }), { objectStore: objects, now: Date.now, retry: fast });
      await waitFor('more read', () => w3.counters.records >= more.length);
      await w3.stop();
      assert.deepEqual(checkArchive(await committedLines(e, objects), [...expected, ...more]), []);
    });

    it('resharding: a split parent is flushed and committed at SHARD_END, children archived after it', async (t) => {
      const e = await env(2, t);
      if (!e) return;
      const prefix = `reshard-${e.stream}`;
      // Only the count limit, SHARD_END and shutdown write objects here: the parent's tail must go out at SHARD_END.
      const w = startArchiver(e, opts(prefix, { maxRecords: 30 }), { objectStore: objects, now: Date.now, retry: fast });
      const wave1 = await putEvents(e, 100, { seed: 8 });
      const leases = new LeaseStore(e.store);
      await waitFor('leases', async () => (await leases.listLeases(ARCHIVE_APP)).length === 2);
      const [s0] = await leases.listLeases(ARCHIVE_APP);
      const mid = ((BigInt(s0!.hashStart) + BigInt(s0!.hashEnd)) / 2n).toString();
      await e.kinesis.send(new SplitShardCommand({ StreamName: e.stream, ShardToSplit: s0!.shardId, NewStartingHashKey: mid }));
      await ensureStream(e.kinesis, { name: e.stream, shards: 2, retentionHours: 24, pollMs: 20 });
      const wave2 = await putEvents(e, 100, { seed: 9 });
      await waitFor('parent ended', async () => (await leases.getLease(ARCHIVE_APP, s0!.shardId))?.state === 'ended', 30_000);
      await waitFor('all read', () => w.counters.records >= wave1.length + wave2.length, 30_000);
      await w.stop();
      const lines = await committedLines(e, objects);
      assert.deepEqual(checkArchive(lines, [...wave1, ...wave2]), []);
      const all = await leases.listLeases(ARCHIVE_APP);
      const parent = all.find((l) => l.shardId === s0!.shardId)!;
      assert.equal(parent.state, 'ended');
      const children = all.filter((l) => l.parentIds.includes(s0!.shardId));
      assert.equal(children.length, 2);
      const entries = await new ArchiveManifest(e.store).list(ARCHIVE_APP);
      const parentDone = Math.max(...entries.filter((m) => m.shardId === s0!.shardId).map((m) => m.committedAt));
      for (const c of children) for (const m of entries.filter((x) => x.shardId === c.shardId)) assert.ok(m.committedAt >= parentDone, `${c.shardId} committed after its parent ended`);
      assert.ok(entries.some((m) => children.some((c) => c.shardId === m.shardId)), 'children archived');
      const parentEntries = entries.filter((m) => m.shardId === s0!.shardId);
      assert.ok(parentEntries.at(-1)!.records < 30, 'the parent\'s tail was written at SHARD_END');
      assert.deepEqual({ seq: parent.checkpoint?.seq }, { seq: 'SHARD_END' });
    });

    it('S3 failures are retried with backoff while the processor holds the batch', async (t) => {
      const e = await env(1, t);
      if (!e) return;
      const prefix = `faults-${e.stream}`;
      let failures = 0;
      const flaky: ObjectStore = {
        ...objects,
        async put(key, body, type) {
          if (failures++ < 3) throw new ObjectStoreError('upload', key, new Error('ECONNRESET'), true);
          return objects.put(key, body, type);
        },
      };
      const expected = await putEvents(e, 40, { seed: 6 });
      const w = startArchiver(e, opts(prefix, { maxRecords: 40 }), { objectStore: flaky, now: Date.now, retry: fast });
      await waitFor('committed despite failures', async () => (await committedRecordCount(e)) >= expected.length);
      await w.stop();
      assert.ok(failures > 3);
      assert.equal(w.counters.processorErrors, 0, 'retried inside the processor, not by restarting the shard');
      assert.deepEqual(checkArchive(await committedLines(e, objects), expected), []);
    });
  });
}
