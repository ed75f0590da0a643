import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CheckpointOrderError, LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testMysql.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`LeaseStore on ${dialect}`, () => {
    let db: TestDatabase | undefined;
    let store: Store | undefined;
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('refuses a checkpoint that would move backwards, in the database itself', async (t) => {
      let url = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'centos-ls-')), 'l.db')}`;
      if (dialect === 'mysql') {
        db = await createTestDatabase();
        if (!db) return t.skip('no MySQL server');
        url = db.url;
      }
      store = openStore(url);
      await migrate(store);
      const leases = new LeaseStore(store);
      await leases.addShards('a', [{ shardId: 's', parentIds: [], hashStart: '0', hashEnd: '9' }]);
      const epoch = (await leases.claim('a', 's', 'w', 0, 60_000))!;
      const at = (seq: string, sub: number, last = true) => leases.fencedCommit('a', 's', 'w', epoch, { seq, sub, last });
      await at('495000000000000000000000000000000100', 3, false);
      await at('495000000000000000000000000000000100', 3, false); // the same position again is fine
      await at('495000000000000000000000000000000100', 4);
      await assert.rejects(at('495000000000000000000000000000000100', 2), CheckpointOrderError);
      await assert.rejects(at('495000000000000000000000000000000099', 9), CheckpointOrderError);
      await assert.rejects(at('49500000000000000000000000000000100', 9), CheckpointOrderError, 'a shorter sequence number is smaller');
      await at('4950000000000000000000000000000001000', 0);
      assert.deepEqual((await leases.getLease('a', 's'))!.checkpoint, { seq: '4950000000000000000000000000000001000', sub: 0, last: true });
      await assert.rejects(leases.fencedCommit('a', 's', 'other', epoch, { seq: '9'.repeat(40), sub: 0, last: true }), LeaseLostError);
    });
  });
}
