import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CheckpointOrderError, LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { leaseRepositoryContract } from '../helpers/leaseRepositoryContract.ts';
import { migratedStore } from '../helpers/testMysql.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`LeaseStore on ${dialect}`, () => {
    const closers: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of closers) await c();
    });

    describe('keeps the lease repository contract', () => {
      leaseRepositoryContract(async (t) => {
        const db = await migratedStore(dialect, t);
        if (!db) return undefined;
        closers.push(db.close);
        return new LeaseStore(db.store);
      });
    });

    it('refuses a checkpoint that would move backwards, in the database itself', async (t) => {
      const db = await migratedStore(dialect, t);
      if (!db) return;
      closers.push(db.close);
      const leases = new LeaseStore(db.store);
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
