// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitCall } from '../../src/local/admitCall.ts';

describe('admitCall: at most N calls in any 1000 ms window', () => {
  const cases: Array<[string, number[], number, boolean]> = [
    ['first call', [], 0, true],
    ['fifth call in the same instant', [0, 0, 0, 0], 0, true],
    ['sixth call in the same instant', [0, 0, 0, 0, 0], 0, false],
    ['sixth call 999 ms after the first', [0, 100, 200, 300, 400], 999, false],
    ['sixth call 1000 ms after the first', [0, 100, 200, 300, 400], 1000, true],
    ['steady 5/s: a call every 200 ms', [200, 400, 600, 800, 1000], 1200, true],
  ];
  for (const [name, recent, now, want] of cases)
    it(name, () => {
      const r = admitCall(recent, 5, now);
      assert.equal(r.admitted, want);
      assert.equal(r.recent.length, recent.filter((t) => now - t < 1000).length + (want ? 1 : 0));
    });
});
