// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshCallBytes } from '../../src/produce/freshCallBytes.ts';

describe('fresh bytes per call', () => {
  const MiB = 1024 * 1024;
  const cases: Array<[string, number, number, number]> = [
    ['one free call takes all it can', 20 * MiB, 1, 5 * MiB],
    ['no free call (never asked, but safe)', 20 * MiB, 0, 5 * MiB],
    ['a small backlog is not split below the minimum', 1.5 * MiB, 4, 1 * MiB],
    ['a backlog is spread over the free calls', 8 * MiB, 4, 2 * MiB],
    ['rounded up, so the last call is not left a sliver', 8 * MiB + 1, 4, 2 * MiB + 1],
    ['never above the PutRecords limit', 40 * MiB, 4, 5 * MiB],
    ['an empty backlog still allows the minimum', 0, 4, 1 * MiB],
  ];
  for (const [name, ready, free, want] of cases) it(name, () => assert.equal(freshCallBytes(ready, free, 1 * MiB, 5 * MiB), want));
});
