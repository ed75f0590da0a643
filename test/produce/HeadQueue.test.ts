// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeadQueue } from '../../src/produce/HeadQueue.ts';

type Op = ['push', number] | ['shift', number | undefined] | ['unshiftAll', number[]] | ['drain', number[]];

function run(ops: Op[]): HeadQueue<number> {
  const q = new HeadQueue<number>();
  ops.forEach((op, i) => {
    if (op[0] === 'push') q.push(op[1]);
    else if (op[0] === 'shift') assert.equal(q.shift(), op[1], `op ${i}`);
    else if (op[0] === 'unshiftAll') q.unshiftAll(op[1]);
    else assert.deepEqual(q.drain(), op[1], `op ${i}`);
  });
  return q;
}

describe('HeadQueue', () => {
  const cases: Array<[string, Op[], number]> = [
    ['first in, first out', [['push', 1], ['push', 2], ['shift', 1], ['push', 3], ['shift', 2], ['shift', 3], ['shift', undefined]], 0],
    ['put back in front, in order, into the consumed head', [['push', 1], ['push', 2], ['push', 3], ['shift', 1], ['shift', 2], ['unshiftAll', [1, 2]], ['shift', 1], ['shift', 2], ['shift', 3]], 0],
    ['put back more than the consumed head', [['push', 5], ['unshiftAll', [1, 2, 3]], ['shift', 1], ['shift', 2], ['shift', 3], ['shift', 5]], 0],
    ['drain returns what is left and empties it', [['push', 1], ['push', 2], ['push', 3], ['shift', 1], ['drain', [2, 3]], ['shift', undefined]], 0],
    ['size counts what is left', [['push', 1], ['push', 2], ['push', 3], ['shift', 1]], 2],
  ];
  for (const [name, ops, size] of cases) it(name, () => assert.equal(run(ops).size, size));

  it('keeps order across compactions of a long, slowly drained queue', () => {
    const q = new HeadQueue<number>();
    const out: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      q.push(i);
      if (i % 3 !== 0) out.push(q.shift()!);
    }
    while (q.size > 0) out.push(q.shift()!);
    assert.deepEqual(out, Array.from({ length: 1_000 }, (_, i) => i));
  });
});
