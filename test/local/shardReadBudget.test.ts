// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitRead, AWS_READ_LIMITS, chargeRead, fullReadBudget, type ShardReadBudget } from '../../src/local/shardReadBudget.ts';

const MiB = 1024 * 1024;

describe('shard read budget: 5 calls/s and 2 MiB/s per shard, large responses throttle the following seconds', () => {
  const L = AWS_READ_LIMITS;
  /** Runs a script of [at ms, 'call' | bytes charged] and returns the verdicts of the calls. */
  const run = (script: Array<[number, 'call' | number]>) => {
    let b: ShardReadBudget = fullReadBudget(L, 0);
    const out: string[] = [];
    for (const [at, step] of script) {
      if (step === 'call') {
        const v = admitRead(b, L, at);
        b = v.budget;
        out.push(v.admitted ? 'ok' : v.reason);
      } else b = chargeRead(b, step, L, at);
    }
    return out;
  };
  const cases: Array<[string, Array<[number, 'call' | number]>, string[]]> = [
    ['five small calls in one instant pass, the sixth is throttled on calls', [0, 0, 0, 0, 0, 0].map((t) => [t, 'call'] as [number, 'call']), ['ok', 'ok', 'ok', 'ok', 'ok', 'calls']],
    ['a call 1 s after the first of five passes again', [...[0, 0, 0, 0, 0].map((t) => [t, 'call'] as [number, 'call']), [1000, 'call']], ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']],
    ['a 2 MiB response spends the budget: the next call in the same instant is throttled on bytes', [[0, 'call'], [0, 2 * MiB], [0, 'call']], ['ok', 'bytes']],
    ['… and passes once any budget is back', [[0, 'call'], [0, 2 * MiB], [1, 'call']], ['ok', 'ok']],
    ['a 10 MiB response throttles the next 4 s (8 MiB of debt at 2 MiB/s)', [[0, 'call'], [0, 10 * MiB], [1000, 'call'], [3990, 'call'], [4010, 'call']], ['ok', 'bytes', 'bytes', 'ok']],
    ['a 10 MiB response on an empty budget throttles the next 5 s', [[0, 'call'], [0, 2 * MiB], [0, 'call'], [1, 'call'], [1, 10 * MiB], [4010, 'call'], [4990, 'call'], [5010, 'call']], ['ok', 'bytes', 'ok', 'bytes', 'bytes', 'ok']],
    ['the byte budget does not accumulate past one second', [[0, 'call'], [60_000, 'call'], [60_000, 3 * MiB], [60_000, 'call']], ['ok', 'ok', 'bytes']],
  ];
  for (const [name, script, want] of cases) it(name, () => assert.deepEqual(run(script), want));

  it('a reader at 5 calls/s of 400 KiB stays within both limits for a minute', () => {
    const script: Array<[number, 'call' | number]> = [];
    for (let t = 0; t < 60_000; t += 200) script.push([t, 'call'], [t, 400 * 1024]);
    assert.deepEqual(new Set(run(script)), new Set(['ok']));
  });
});
