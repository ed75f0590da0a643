// test tier: unit (no services, no timers)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../src/coordinator/ByteBudget.ts';

/** A promise's state without waiting for it. */
async function settled<T>(p: Promise<T>): Promise<{ value: T } | undefined> {
  const pending = Symbol('pending');
  const v = await Promise.race([p, Promise.resolve().then(() => pending)]);
  return v === pending ? undefined : { value: v as T };
}

describe('ByteBudget', { timeout: 10_000 }, () => {
  it('grants at once what fits in the share, sized down to the room left', async () => {
    const b = new ByteBudget(1000);
    const a = b.open('s1');
    b.open('s2');
    assert.equal(a.shareBytes, 500);
    assert.equal(await a.acquire(300), 300);
    assert.equal(await a.acquire(300), 200, 'only the rest of its share');
    assert.equal(a.held, 500);
    assert.equal(b.inUse, 500);
  });

  it('an account at its share waits until it releases, whatever the others leave free', async () => {
    const b = new ByteBudget(1000);
    const a = b.open('s1');
    b.open('s2');
    await a.acquire(500);
    const next = a.acquire(400);
    assert.equal(await settled(next), undefined, 'waits although s2 holds nothing');
    a.release(100);
    assert.equal(await settled(next), undefined, '100 is under the least grant (a quarter of the share = 125)');
    a.release(300);
    assert.deepEqual(await settled(next), { value: 400 });
  });

  it('fair among shards: a busy shard cannot take what another one needs', async () => {
    const b = new ByteBudget(1200);
    const shards = ['s1', 's2', 's3'].map((s) => b.open(s));
    // s1 asks for far more than its share, repeatedly; s2 and s3 still get theirs at once.
    assert.equal(await shards[0]!.acquire(10_000), 400);
    const blocked = shards[0]!.acquire(10_000);
    assert.equal(await shards[1]!.acquire(10_000), 400);
    assert.equal(await shards[2]!.acquire(300), 300);
    assert.equal(await settled(blocked), undefined);
    assert.ok(b.inUse <= b.totalBytes);
  });

  it('grants never add up past the total, however many shards ask, in any order', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      let x = seed;
      const random = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const b = new ByteBudget(1 + Math.floor(random() * 5000));
      const accounts = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => b.open(`s${i}`));
      const waits: Array<Promise<number>> = [];
      for (let step = 0; step < 200; step++) {
        const a = accounts[Math.floor(random() * accounts.length)]!;
        const r = random();
        if (r < 0.5) waits.push(a.acquire(1 + Math.floor(random() * 3000)));
        else if (r < 0.9) a.release(Math.floor(random() * a.held + 1));
        else if (r < 0.95) a.close();
        else accounts.push(b.open(`late${step}`));
        await Promise.resolve();
        assert.ok(b.inUse <= b.totalBytes, `seed ${seed} step ${step}: ${b.inUse} in use of ${b.totalBytes}`);
        assert.ok(b.inUse >= 0);
      }
      for (const a of accounts) a.close();
      assert.equal(b.inUse, 0, `seed ${seed}: closing every account gives everything back`);
      // Every waiter is answered once its account is closed.
      await Promise.all(waits);
    }
  });

  it('a response larger than its grant is charged as it is, and the shard waits until it is back under its share', async () => {
    const b = new ByteBudget(1000);
    const a = b.open('s1');
    b.open('s2');
    const granted = await a.acquire(200);
    a.settle(granted, 700);
    assert.equal(a.held, 700);
    const next = a.acquire(200);
    assert.equal(await settled(next), undefined);
    a.release(700);
    assert.deepEqual(await settled(next), { value: 200 });
  });

  it('a smaller response gives the rest of the grant back at once', async () => {
    const b = new ByteBudget(1000);
    const a = b.open('s1');
    a.settle(await a.acquire(800), 100);
    assert.equal(a.held, 100);
    assert.equal(b.inUse, 100);
  });

  it('an aborted wait resolves 0 and takes nothing', async () => {
    const b = new ByteBudget(1000);
    const a = b.open('s1');
    await a.acquire(1000);
    const stop = new AbortController();
    const next = a.acquire(500, stop.signal);
    stop.abort();
    assert.deepEqual(await settled(next), { value: 0 });
    a.release(1000);
    assert.equal(b.inUse, 0, 'the aborted waiter was not served later');
    assert.equal(await a.acquire(10, stop.signal), 0, 'an already aborted signal gets nothing');
  });

  it('a shard that is lost while holding budget gives it back, and its waiter is answered with 0', async () => {
    const b = new ByteBudget(1000);
    const lost = b.open('lost');
    const other = b.open('other');
    await lost.acquire(500);
    const lostWaiting = lost.acquire(500);
    await other.acquire(500);
    const otherWaiting = other.acquire(400);
    assert.equal(await settled(otherWaiting), undefined);
    lost.close();
    assert.deepEqual(await settled(lostWaiting), { value: 0 });
    // The lost shard's bytes are back and the survivor's share is now the whole budget.
    assert.deepEqual(await settled(otherWaiting), { value: 400 });
    assert.equal(b.inUse, 900);
    lost.release(500);
    lost.settle(100, 900);
    assert.equal(await lost.acquire(100), 0, 'a closed account neither takes nor gives');
    assert.equal(b.inUse, 900);
  });

  it('a new shard shrinks the shares: one above its new share waits until it is under it', async () => {
    const b = new ByteBudget(1000);
    const a = b.open('s1');
    await a.acquire(900);
    b.open('s2');
    const next = a.acquire(100);
    assert.equal(await settled(next), undefined);
    a.release(500);
    assert.deepEqual(await settled(next), { value: 100 });
  });

  it('refuses a budget that is not a positive whole number of bytes', () => {
    assert.throws(() => new ByteBudget(0), /totalBytes must be a positive integer/);
    assert.throws(() => new ByteBudget(1.5), /totalBytes must be a positive integer/);
  });
});
