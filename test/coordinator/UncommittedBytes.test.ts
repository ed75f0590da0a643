// test tier: unit (no services, no timers)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../src/coordinator/ByteBudget.ts';
import type { ConsumedRecord } from '../../src/kinesis/deaggregate.ts';
import type { Position } from '../../src/kinesis/position.ts';
import { UncommittedBytes } from '../../src/coordinator/UncommittedBytes.ts';

const at = (seq: string, sub = 0, last = true): Position => ({ seq, sub, last });
/** A batch of `n` equal records: sub-records 0..n-1 of aggregate `seq`. */
const batch = (seq: string, n: number): Array<Pick<ConsumedRecord, 'seq' | 'sub' | 'data'>> => Array.from({ length: n }, (_, sub) => ({ seq, sub, data: Buffer.alloc(10) }));

describe('UncommittedBytes', { timeout: 10_000 }, () => {
  function fresh() {
    const budget = new ByteBudget(10_000);
    const account = budget.open('s');
    return { budget, account, u: new UncommittedBytes(account) };
  }

  async function held(bytes: number[]) {
    const { budget, account, u } = fresh();
    for (const [i, b] of bytes.entries()) {
      assert.equal(await account.acquire(b), b);
      u.hold(batch(String(100 + i * 10), 3), b);
    }
    return { budget, u };
  }

  it('a commit gives back what it covers, and only that', async () => {
    const { budget, u } = await held([100, 200, 300]);
    u.committed(at('110', 2));
    assert.equal(budget.inUse, 300, 'the first two batches (up to 110/2) are durable');
    u.committed(at('120', 0, false));
    assert.equal(budget.inUse, 200, 'a commit inside a batch (an archive flush mid-batch) gives back the records it covers: one third');
    u.committed(at('120', 0, false));
    assert.equal(budget.inUse, 200, 'the same commit again gives back nothing more');
    u.committed(at('120', 2));
    assert.equal(budget.inUse, 0);
  });

  it('a response\'s bytes are spread over its records by their size', async () => {
    const { budget, account, u } = fresh();
    await account.acquire(1000);
    u.hold([{ seq: '5', sub: 0, data: Buffer.alloc(300) }, { seq: '5', sub: 1, data: Buffer.alloc(100) }], 1000);
    u.committed(at('5', 0, false));
    assert.equal(budget.inUse, 250);
  });

  it('a commit ahead of everything held gives it all back; one behind gives nothing', async () => {
    const { budget, u } = await held([100, 200]);
    u.committed(at('99'));
    assert.equal(budget.inUse, 300);
    u.committed(at('99999'));
    assert.equal(budget.inUse, 0);
  });

  it('sequence numbers compare as numbers, not strings', async () => {
    const { budget, account, u } = fresh();
    await account.acquire(100);
    u.hold(batch('1000', 1), 100);
    u.committed(at('999'));
    assert.equal(budget.inUse, 100);
  });

  it('an empty batch holds nothing; bytes without records go back at once', async () => {
    const { budget, account, u } = fresh();
    await account.acquire(50);
    u.hold([], 50);
    u.hold(batch('1', 2), 0);
    assert.equal(budget.inUse, 0);
  });

  it('closing (attempt failed, lease lost) gives back everything not yet committed', async () => {
    const { budget, u } = await held([100, 200, 300]);
    u.committed(at('100', 2));
    assert.equal(budget.inUse, 500);
    u.close();
    assert.equal(budget.inUse, 0);
    u.committed(at('120', 2));
    assert.equal(budget.inUse, 0, 'a late commit after the close does not give back twice');
  });
});
