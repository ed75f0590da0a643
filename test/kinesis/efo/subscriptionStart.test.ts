// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IteratorStart } from '../../../src/kinesis/KinesisReadPort.ts';
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
