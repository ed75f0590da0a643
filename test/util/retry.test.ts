// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CentosError } from '../../src/errors.ts';
import { backoffDelay, isMarkedRetriable, pause, policies, retry } from '../../src/util/retry.ts';

const flaky = () => new CentosError('down', { retriable: true });
/** A backoff no test could sit out within its timeout: a wait that is not ended by the signal fails the test. */
const forever = { initialMs: 3_600_000, maxMs: 3_600_000 };

describe('retry', () => {
  it('backs off exponentially up to the cap, jittered downwards', () => {
    const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o, () => 0)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(3, o, () => 1), 200);
  });

  it('keeps every named policy within its cap and its jitter band', () => {
    for (const [name, p] of Object.entries(policies)) {
      assert.ok(p.initialMs > 0 && p.initialMs <= p.maxMs, `${name}: 0 < initialMs ≤ maxMs`);
      assert.ok(p.jitter >= 0 && p.jitter <= 1 && p.factor >= 1, `${name}: jitter in [0, 1], factor ≥ 1`);
      for (let attempt = 1; attempt <= 40; attempt++) {
        const base = Math.min(p.maxMs, p.initialMs * p.factor ** (attempt - 1));
        for (const r of [0, 0.25, 0.5, 0.999, 1]) {
          const d = backoffDelay(attempt, p, () => r);
          assert.ok(d <= p.maxMs, `${name} attempt ${attempt} random ${r}: ${d} ms over the cap ${p.maxMs}`);
          assert.ok(d >= Math.floor(base * (1 - p.jitter)), `${name} attempt ${attempt} random ${r}: ${d} ms below ${base} × (1 − ${p.jitter})`);
        }
      }
    }
  });

  it('retries retriable failures and returns the eventual result', async () => {
    const waits: number[] = [];
    const r = await retry(
      async (attempt) => {
        if (attempt < 2) throw flaky();
        return attempt;
      },
      { initialMs: 1, maxMs: 2, signal: undefined, onRetry: (_e, _a, w) => waits.push(w) },
    );
    assert.equal(r, 2);
    assert.equal(waits.length, 2);
  });

  it('throws at once what is not marked retriable: a refusal, a bug (TypeError), an unmarked or loosely marked error', async () => {
    const cases: Array<[string, unknown]> = [
      ['retriable: false', new CentosError('denied', { retriable: false })],
      ['TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
      ['plain Error', new Error('no flag')],
      ['retriable: "yes"', Object.assign(new Error('truthy flag'), { retriable: 'yes' })],
      ['a string', 'thrown string'],
      ['undefined', undefined],
    ];
    for (const [what, thrown] of cases) {
      let calls = 0;
      await assert.rejects(
        retry(
          async () => {
            calls++;
            throw thrown;
          },
          { ...policies.kinesisRead, ...forever, signal: new AbortController().signal },
        ),
        (err: unknown) => err === thrown,
        what,
      );
      assert.equal(calls, 1, `${what}: called once`);
      assert.equal(isMarkedRetriable(thrown), false, what);
    }
  });

  it('gives up after the policy\'s number of retries', async () => {
    let calls = 0;
    await assert.rejects(retry(async () => { calls++; throw flaky(); }, { retries: 3, initialMs: 1, maxMs: 1, signal: undefined }), /down/);
    assert.equal(calls, 4);
  });

  it('ends a backoff as soon as the signal aborts, throwing the last error', { timeout: 30_000 }, async () => {
    for (const policy of [policies.storeCommit, policies.s3Upload, policies.kinesisControl]) {
      const c = new AbortController();
      let calls = 0;
      const last = flaky();
      await assert.rejects(
        retry(
          async () => {
            calls++;
            throw last;
          },
          // Aborted once the hour-long wait has begun.
          { ...policy, ...forever, signal: c.signal, onRetry: () => queueMicrotask(() => c.abort()) },
        ),
        (err: unknown) => err === last,
      );
      assert.equal(calls, 1);
    }
  });

  it('does not call again once the signal has aborted', async () => {
    const c = new AbortController();
    c.abort();
    let calls = 0;
    await assert.rejects(retry(async () => { calls++; throw flaky(); }, { ...policies.storeCommit, signal: c.signal }), /down/);
    assert.equal(calls, 1);
  });

  it('refuses an endless policy without a signal: nothing could stop it', async () => {
    await assert.rejects(retry(async () => 1, { ...policies.s3Upload, signal: undefined }), TypeError);
  });

  it('pause reports whether the whole wait passed', { timeout: 30_000 }, async () => {
    assert.equal(await pause(1, undefined), true);
    const c = new AbortController();
    const waiting = pause(3_600_000, c.signal);
    c.abort();
    assert.equal(await waiting, false);
    assert.equal(await pause(3_600_000, c.signal), false);
  });
});
