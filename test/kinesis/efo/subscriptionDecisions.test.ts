// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IteratorStart } from '../../../src/kinesis/KinesisReadPort.ts';
import { planConsumerPrune } from '../../../src/kinesis/efo/planConsumerPrune.ts';
import { subscribeRetry, subscribeSpacing, type SubscribeRetry } from '../../../src/kinesis/efo/subscribeRetry.ts';
import { subscriptionStart, type SubscriptionState } from '../../../src/kinesis/efo/subscriptionStart.ts';

describe('where a subscription starts', () => {
  const initial: IteratorStart = { type: 'LATEST' };
  const cases: Array<{ name: string; s: SubscriptionState; want: IteratorStart }> = [
    { name: 'no checkpoint, nothing read: the initial position', s: { continuation: undefined, position: undefined, initial }, want: initial },
    { name: 'checkpoint at a finished record: AFTER it', s: { continuation: undefined, position: { seq: '100', sub: 0, last: true }, initial }, want: { type: 'AFTER_SEQUENCE_NUMBER', seq: '100' } },
    { name: 'checkpoint at the last sub-record of an aggregate: AFTER the aggregate', s: { continuation: undefined, position: { seq: '100', sub: 7, last: true }, initial }, want: { type: 'AFTER_SEQUENCE_NUMBER', seq: '100' } },
    { name: 'checkpoint inside an aggregate: AT it (de-aggregation drops the sub-records done)', s: { continuation: undefined, position: { seq: '100', sub: 3, last: false }, initial }, want: { type: 'AT_SEQUENCE_NUMBER', seq: '100' } },
    { name: 'after an event: AFTER its continuation, even past the last record delivered', s: { continuation: '250', position: { seq: '100', sub: 3, last: false }, initial }, want: { type: 'AFTER_SEQUENCE_NUMBER', seq: '250' } },
    { name: 'after an empty event, nothing delivered yet: AFTER the continuation, not the initial position', s: { continuation: '90', position: undefined, initial }, want: { type: 'AFTER_SEQUENCE_NUMBER', seq: '90' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(subscriptionStart(c.s), c.want));
});

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

describe('which stream consumers to deregister', () => {
  const consumer = (name: string, status: 'ACTIVE' | 'CREATING' | 'DELETING' = 'ACTIVE') => ({ name, arn: `arn:${name}`, status });
  const apps = [
    { name: 'CentosArchiver', mode: 'polling' as const },
    { name: 'CentosDashboard', mode: 'efo' as const },
  ];
  const cases: Array<{ name: string; registered: ReturnType<typeof consumer>[]; want: string[] }> = [
    { name: 'an application back on polling loses its consumer', registered: [consumer('CentosArchiver'), consumer('CentosDashboard')], want: ['CentosArchiver'] },
    { name: 'an application in efo mode keeps it', registered: [consumer('CentosDashboard')], want: [] },
    { name: 'consumers of other software are never touched', registered: [consumer('someone-else'), consumer('CentosArchiver', 'CREATING')], want: ['CentosArchiver'] },
    { name: 'one already being deleted is left alone', registered: [consumer('CentosArchiver', 'DELETING')], want: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(planConsumerPrune(c.registered, apps), c.want));
});
