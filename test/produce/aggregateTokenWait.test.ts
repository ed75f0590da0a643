// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateTokenWait, type AggregateTokenInput } from '../../src/produce/aggregateTokenWait.ts';

// A shard at 1 MB/s and 1000 records/s, buckets one second deep.
const full: AggregateTokenInput = {
  readyBytes: 200_000,
  aggregationMaxBytes: 51_200,
  pkLen: 10,
  bytes: { available: 1_000_000, capacity: 1_000_000, ratePerSec: 1_000_000 },
  records: { available: 1_000, capacity: 1_000, ratePerSec: 1_000 },
};
const bytes = (available: number, capacity = 1_000_000) => ({ bytes: { available, capacity, ratePerSec: 1_000_000 } });

describe('aggregateTokenWait', () => {
  const cases: Array<[string, Partial<AggregateTokenInput>, number]> = [
    ['tokens for a whole aggregate: build now', {}, 0],
    ['exactly a whole aggregate with its partition key', bytes(51_210), 0],
    ['a few bytes short of a whole aggregate waits for them, not a sliver', bytes(51_000), 1],
    ['half an aggregate short waits for the other half', bytes(25_605), 26],
    ['little ready: tokens for all of it (plus protobuf overhead) are enough', { readyBytes: 1_000, ...bytes(1_074) }, 0],
    ['little ready, a byte short', { readyBytes: 1_000, ...bytes(1_073) }, 1],
    ['no record token: wait for one', { records: { available: 0.5, capacity: 1_000, ratePerSec: 1_000 } }, 1],
    ['no record token at 10 records/s', { records: { available: 0, capacity: 10, ratePerSec: 10 } }, 100],
    ['a bucket smaller than an aggregate waits only until it is full', bytes(9_000, 10_000), 1],
    ['a full small bucket builds now', bytes(10_000, 10_000), 0],
  ];
  for (const [name, change, want] of cases) it(name, () => assert.equal(aggregateTokenWait({ ...full, ...change }), want));
});
