// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';

describe('ManualClock', () => {
  it('fires timers in due order, same-instant ones in the order set, each at its own time', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.schedule(30, () => fired.push(`c@${clock.now()}`));
    clock.schedule(10, () => fired.push(`a@${clock.now()}`));
    clock.schedule(10, () => fired.push(`b@${clock.now()}`));
    const cancel = clock.schedule(20, () => fired.push('cancelled'));
    cancel();
    assert.equal(clock.pending(), 3);
    await clock.advance(25);
    assert.deepEqual(fired, ['a@10', 'b@10']);
    assert.equal(clock.now(), 25);
    await clock.advance(5);
    assert.deepEqual(fired, ['a@10', 'b@10', 'c@30']);
    assert.equal(clock.pending(), 0);
  });

  it('lets the work a timer starts run before the next timer fires', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        await Promise.resolve();
        seen.push(clock.now());
      }
    })();
    await clock.advance(1_000);
    assert.deepEqual(seen, [100, 200, 300]);
  });

  it('sleep ends early, without an error, when its signal aborts', async () => {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    let woke = false;
    const sleeping = clock.sleep(60_000, stop.signal).then(() => (woke = true));
    await clock.advance(10);
    assert.equal(woke, false);
    stop.abort();
    await sleeping;
    assert.equal(clock.now(), 10);
    assert.equal(clock.pending(), 0, 'its timer is gone');
    await clock.sleep(5, stop.signal);
  });
});
