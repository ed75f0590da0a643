import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ArchiveManifest, type ManifestEntry } from '../../src/archive/ArchiveManifest.ts';
import { StoreError } from '../../src/store/StoreError.ts';
import { migratedStore } from '../helpers/testMysql.ts';

const entry: ManifestEntry = {
  app: 'archive',
  shardId: 'shardId-000000000000',
  first: { seq: '4950000000000000001', sub: 0 },
  last: { seq: '4950000000000000009', sub: 2 },
  key: 'p/dt=2026-01-01/hour=00/shardId-000000000000/4950000000000000001-0.jsonl.gz',
  records: 12,
  invalid: 0,
  bytes: 345,
  rawBytes: 1200,
  sha256: 'a'.repeat(64),
  minArrivalMs: 1,
  maxArrivalMs: 2,
  epoch: 3,
  workerId: 'w1',
  committedAt: 10,
};

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`ArchiveManifest on ${dialect}`, () => {
    const closers: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of closers) await c();
    });

    it('a second insert of the same object (a commit tried again after its reply was lost) is success; a different object at that position is not', async (t) => {
      const db = await migratedStore(dialect, t);
      if (!db) return;
      closers.push(db.close);
      const { store } = db;
      await store.transaction((tx) => new ArchiveManifest(tx).insert(entry));
      await store.transaction((tx) => new ArchiveManifest(tx).insert({ ...entry, epoch: 4, workerId: 'w2', committedAt: 20 }));
      await assert.rejects(
        store.transaction((tx) => new ArchiveManifest(tx).insert({ ...entry, sha256: 'b'.repeat(64) })),
        (err) => err instanceof StoreError && !err.retriable,
      );
      const rows = await new ArchiveManifest(store).list('archive');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.workerId, 'w1');
    });
  });
}
