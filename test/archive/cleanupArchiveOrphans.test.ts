import assert from 'node:assert/strict';
import type { S3Client } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { ArchiveManifest } from '../../src/archive/ArchiveManifest.ts';
import { archiveKey } from '../../src/archive/archiveKey.ts';
import { cleanupArchiveOrphans } from '../../src/archive/cleanupArchiveOrphans.ts';
import type { ObjectStore } from '../../src/archive/ObjectStore.ts';
import { createS3Client } from '../../src/aws/awsClients.ts';
import { ensureBucket } from '../../src/setup/ensureBucket.ts';
import { ARCHIVE_APP, objectStoreFor } from '../helpers/archiveHarness.ts';
import { makeEnv, type Env } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
let s3: S3Client;
let objects: ObjectStore;
before(async () => {
  stack = await startTestStack();
  s3 = createS3Client(stack.settings().config);
  await ensureBucket(s3, 'centos-archive');
  objects = objectStoreFor(s3, 'centos-archive');
});
after(async () => {
  s3.destroy();
  await stack.close();
});

const T0 = Date.parse('2024-05-01T10:00:00Z');

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`cleanupArchiveOrphans on ${dialect}`, () => {
    let e: Env | undefined;
    after(async () => e?.close());

    it('deletes only uncommitted objects the checkpoint has passed, older than the grace period', async (t) => {
      e = await makeEnv(stack, dialect, 1);
      if (!e) return t.skip('no MySQL server');
      const prefix = `cleanup-${e.stream}`;
      const key = (shardId: string, first: number, last: number) => archiveKey({ prefix, shardId, first: { seq: String(first), sub: 0 }, last: { seq: String(last), sub: 0 }, firstArrivalMs: T0, compression: 'gzip' });
      // Leases: shard A checkpointed at 200, shard B ended.
      for (const [shard, seq] of [['A', '200'], ['B', 'SHARD_END']] as const)
        await e.store.execute('INSERT INTO leases (app, shard_id, checkpoint_seq, checkpoint_sub, checkpoint_last, state) VALUES (?, ?, ?, 0, 1, ?)', [ARCHIVE_APP, shard, seq, seq === 'SHARD_END' ? 'ended' : 'active']);
      const committed = key('A', 100, 150);
      await new ArchiveManifest(e.store).insert({ app: ARCHIVE_APP, shardId: 'A', first: { seq: '100', sub: 0 }, last: { seq: '150', sub: 0 }, key: committed, records: 1, invalid: 0, bytes: 1, rawBytes: 1, sha256: '0'.repeat(64), minArrivalMs: T0, maxArrivalMs: T0, epoch: 1, workerId: 'w', committedAt: T0 });
      const cases = {
        committed,
        passedOrphan: key('A', 100, 180), // a zombie cut at another record: superseded
        pendingBeyondCheckpoint: key('A', 201, 250), // may still be committed by the owner
        endedShardOrphan: key('B', 1, 9),
        unknownShard: key('C', 1, 9),
        notOurs: `${prefix}/README.txt`,
      };
      for (const k of Object.values(cases)) await objects.put(k, Buffer.from('x'), 'text/plain');

      const young = await cleanupArchiveOrphans({ store: e.store, objectStore: objects, app: ARCHIVE_APP, prefix, graceMs: 3_600_000, now: Date.now });
      assert.deepEqual(young.deleted, [], 'all younger than the grace period');
      assert.equal(young.scanned, 6);

      const r = await cleanupArchiveOrphans({ store: e.store, objectStore: objects, app: ARCHIVE_APP, prefix, graceMs: 3_600_000, now: () => Date.now() + 3_600_000 + 1_000 });
      assert.deepEqual(r.deleted.sort(), [cases.endedShardOrphan, cases.passedOrphan].sort());
      assert.deepEqual({ scanned: r.scanned, committed: r.committed, kept: r.kept, foreign: r.foreign }, { scanned: 6, committed: 1, kept: 1, foreign: 2 });
      const left: string[] = [];
      for await (const o of objects.list(`${prefix}/`)) left.push(o.key);
      assert.deepEqual(left.sort(), [cases.committed, cases.pendingBeyondCheckpoint, cases.unknownShard, cases.notOurs].sort());
    });
  });
}

describe('s3ObjectStore', () => {
  it('uploads above the part size as multipart and reads back the same bytes', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await objects.put('multipart/big.bin', big, 'application/octet-stream');
    assert.deepEqual(await objects.get('multipart/big.bin'), big);
    await objects.delete('multipart/big.bin');
    const left: string[] = [];
    for await (const o of objects.list('multipart/')) left.push(o.key);
    assert.deepEqual(left, []);
  });
});
