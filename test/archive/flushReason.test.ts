// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flushReason, msUntilAgeFlush } from '../../src/archive/flushReason.ts';

const policy = { maxBytes: 1000, maxRecords: 10, maxAgeMs: 60_000 };

describe('flushReason', () => {
  const cases = [
    { name: 'empty buffer never flushes', b: { records: 0, bytes: 0, openedAt: 0 }, now: 1e9, want: undefined },
    { name: 'below every limit', b: { records: 9, bytes: 999, openedAt: 1000 }, now: 60_999, want: undefined },
    { name: 'size reached', b: { records: 3, bytes: 1000, openedAt: 1000 }, now: 1000, want: 'size' },
    { name: 'count reached', b: { records: 10, bytes: 10, openedAt: 1000 }, now: 1000, want: 'count' },
    { name: 'age reached', b: { records: 1, bytes: 10, openedAt: 1000 }, now: 61_000, want: 'age' },
    { name: 'size wins when several are reached', b: { records: 10, bytes: 5000, openedAt: 0 }, now: 1e9, want: 'size' },
    { name: 'count before age', b: { records: 11, bytes: 10, openedAt: 0 }, now: 1e9, want: 'count' },
  ] as const;
  for (const c of cases) it(c.name, () => assert.equal(flushReason(c.b, policy, c.now), c.want));
});

describe('msUntilAgeFlush', () => {
  const cases = [
    { b: { records: 0, bytes: 0, openedAt: 0 }, now: 5, want: undefined },
    { b: { records: 1, bytes: 1, openedAt: 1000 }, now: 1000, want: 60_000 },
    { b: { records: 1, bytes: 1, openedAt: 1000 }, now: 31_000, want: 30_000 },
    { b: { records: 1, bytes: 1, openedAt: 1000 }, now: 99_000, want: 0 },
  ];
  for (const c of cases) it(`${JSON.stringify(c.b)} at ${c.now} → ${c.want}`, () => assert.equal(msUntilAgeFlush(c.b, policy, c.now), c.want));
});
