// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CentosError } from '../../src/errors.ts';
import { backoffDelay, retry } from '../../src/util/retry.ts';

describe('retry', () => {
  it('backs off exponentially up to the cap, jittered downwards', () => {
    const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o, () => 0)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(3, o, () => 1), 200);
  });

  it('retries retriable failures and returns the eventual result', async () => {
    const waits: number[] = [];
    const r = await retry(
      async (attempt) => {
        if (attempt < 2) throw new CentosError('flaky', { retriable: true });
        return attempt;
      },
      { initialMs: 1, maxMs: 2, onRetry: (_e, _a, w) => waits.push(w) },
    );
    assert.equal(r, 2);
    assert.equal(waits.length, 2);
  });

  it('does not retry what is not retriable, and gives up after the limit', async () => {
    let calls = 0;
    await assert.rejects(retry(async () => { calls++; throw new CentosError('denied', { retriable: false }); }, { initialMs: 1 }), /denied/);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(retry(async () => { calls++; throw new CentosError('down', { retriable: true }); }, { retries: 3, initialMs: 1, maxMs: 1 }), /down/);
    assert.equal(calls, 4);
  });

  it('stops waiting when aborted', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(), 20);
    const t = Date.now();
    await assert.rejects(retry(async () => { throw new CentosError('down', { retriable: true }); }, { retries: Infinity, initialMs: 10_000, maxMs: 10_000, signal: c.signal }), /down/);
    assert.ok(Date.now() - t < 5_000);
  });
});
