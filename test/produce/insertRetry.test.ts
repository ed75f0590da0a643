// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertRetry } from '../../src/produce/insertRetry.ts';

describe('retry ordering', () => {
  const cases: Array<[number[], number[]]> = [
    [[], [1]],
    [[1, 3], [1, 2, 3]],
    [[2, 3], [0, 2, 3]],
    [[0, 1], [0, 1, 9]],
  ];
  for (const [queue, want] of cases) {
    it(`keeps retries oldest-first: ${JSON.stringify(queue)}`, () => {
      const q = queue.map((seq) => ({ seq }));
      const add = want.find((x) => !queue.includes(x))!;
      insertRetry(q, { seq: add });
      assert.deepEqual(q.map((x) => x.seq), want);
    });
  }
});
