// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscribeRetry, subscribeSpacing, type SubscribeRetry } from '../../../src/kinesis/efo/subscribeRetry.ts';

describe('retrying a subscription', () => {
  const mid = () => 0.5;
  const cases: Array<{ name: string; err: string | undefined; transient: boolean; attempt: number; want: SubscribeRetry }> = [
    { name: 'another subscription holds the shard (a zombie): wait about a second', err: 'ResourceInUseException', transient: false, attempt: 1, want: { retry: true, waitMs: 850, reason: 'in-use' } },
    { name: 'still held: longer, capped at 10 s', err: 'ResourceInUseException', transient: false, attempt: 9, want: { retry: true, waitMs: 8500, reason: 'in-use' } },
    { name: 'over the 1 subscribe/s limit: back off past a second', err: 'LimitExceededException', transient: true, attempt: 1, want: { retry: true, waitMs: 935, reason: 'limit' } },
    { name: 'over the limit again: capped at 5 s', err: 'LimitExceededException', transient: true, attempt: 6, want: { retry: true, waitMs: 4250, reason: 'limit' } },
    { name: 'a reset connection: quickly', err: undefined, transient: true, attempt: 1, want: { retry: true, waitMs: 150, reason: 'transient' } },
    { name: 'an InternalFailureException event in the stream', err: 'InternalFailureException', transient: false, attempt: 2, want: { retry: true, waitMs: 300, reason: 'transient' } },
    { name: 'access denied: no retry', err: 'AccessDeniedException', transient: false, attempt: 1, want: { retry: false } },
    { name: 'a bad request: no retry', err: 'InvalidArgumentException', transient: false, attempt: 1, want: { retry: false } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(subscribeRetry(c.err, c.transient, c.attempt, mid), c.want));

  const spacing: Array<{ name: string; last: number | undefined; now: number; want: number }> = [
    { name: 'first subscription: at once', last: undefined, now: 5_000, want: 0 },
    { name: 'a resubscription 300 ms after the last call waits the rest of the second', last: 5_000, now: 5_300, want: 700 },
    { name: 'more than a second later: at once', last: 5_000, now: 7_000, want: 0 },
  ];
  for (const c of spacing) it(`spacing: ${c.name}`, () => assert.equal(subscribeSpacing(c.last, c.now), c.want));
});
