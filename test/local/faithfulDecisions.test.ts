// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitCall } from '../../src/local/admitCall.ts';
import { CONTROL_PLANE_QUOTAS, quotaKey } from '../../src/local/controlPlaneQuotas.ts';
import { shardExpired, withoutExpired } from '../../src/local/expiredShards.ts';
import { planOnDemandReshard, type OnDemandPolicy, type ReshardAction, type ShardLoad } from '../../src/local/planOnDemandReshard.ts';
import { iteratorExpired, unwrapIterator, wrapIterator } from '../../src/local/proxyIterator.ts';
import { ShardCallCounts } from '../../src/local/ShardCallCounts.ts';
import { admitRead, AWS_READ_LIMITS, chargeRead, fullReadBudget, type ShardReadBudget } from '../../src/local/shardReadBudget.ts';

const MiB = 1024 * 1024;

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

describe('proxy iterators', () => {
  it('round-trip the issue time, stream, shard and the emulator iterator', () => {
    const it0 = { issuedAt: 1_764_662_400_123, stream: 'my.stream_1-a', shardId: 'shardId-000000000007', upstream: 'AAAAAAAAAAE+/abc==' };
    assert.deepEqual(unwrapIterator(wrapIterator(it0)), it0);
  });
  const bad = ['', 'AAAAAAAAAAE+/abc==', 'cfi1~zz~s~shardId-0', 'cfi2~1~s~shardId-0~u', 'cfi1~-1~s~shardId-0~u', 'cfi1~1~~shardId-0~u', 'cfi1~1~s~shardId-0~u~extra'];
  for (const token of bad) it(`reject ${JSON.stringify(token)}`, () => assert.equal(unwrapIterator(token), undefined));

  const expiry: Array<[number, boolean]> = [
    [0, false],
    [299_999, false],
    [300_000, false],
    [300_001, true],
  ];
  for (const [age, want] of expiry) it(`an iterator ${age} ms old is ${want ? '' : 'not '}expired (5-minute TTL)`, () => assert.equal(iteratorExpired(1000, 1000 + age, 300_000), want));
});

describe('expired shards', () => {
  const cases: Array<[string, number | undefined, number, boolean]> = [
    ['an open shard never expires', undefined, 10 ** 12, false],
    ['a shard closed within the retention is kept', 1000, 1000 + 60_000, false],
    ['a shard closed longer than the retention ago has expired', 1000, 1000 + 60_001, true],
  ];
  for (const [name, closedAt, now, want] of cases) it(name, () => assert.equal(shardExpired(closedAt, now, 60_000), want));

  it('withoutExpired keeps the order and drops only expired shards', () => {
    const closed = new Map([['s0', 0], ['s1', 50_000]]);
    const shards = [{ ShardId: 's0' }, { ShardId: 's1' }, { ShardId: 's2' }];
    assert.deepEqual(withoutExpired(shards, (id) => closed.get(id), 70_000, 60_000), [{ ShardId: 's1' }, { ShardId: 's2' }]);
  });
});

describe('control-plane quotas', () => {
  it('ListShards is counted per stream, DescribeStreamSummary per account, data-plane calls not at all', () => {
    assert.equal(quotaKey('ListShards', 'a'), 'ListShards/a');
    assert.notEqual(quotaKey('ListShards', 'a'), quotaKey('ListShards', 'b'));
    assert.equal(quotaKey('DescribeStreamSummary', 'a'), quotaKey('DescribeStreamSummary', 'b'));
    for (const op of ['GetRecords', 'GetShardIterator', 'PutRecords']) assert.equal(quotaKey(op, 'a'), undefined);
    assert.equal(CONTROL_PLANE_QUOTAS.DescribeStreamSummary!.perSec, 20);
  });
});

describe('on-demand resharding plan', () => {
  const MAX = 2n ** 128n - 1n;
  const Q = MAX / 4n;
  const four = (loads: number[]): ShardLoad[] => loads.map((bytesPerSec, i) => ({ shardId: `s${i}`, startingHashKey: Q * BigInt(i) + BigInt(i), endingHashKey: i === 3 ? MAX : Q * BigInt(i + 1) + BigInt(i), bytesPerSec }));
  const policy: OnDemandPolicy = { splitAboveBytesPerSec: 500_000, mergeBelowBytesPerSec: 10_000, minShards: 2, maxShards: 8 };
  const cases: Array<[string, ShardLoad[], Partial<OnDemandPolicy>, ReshardAction | undefined]> = [
    ['nothing to do in the middle band', four([100_000, 200_000, 300_000, 50_000]), {}, undefined],
    ['split the hottest shard in the middle of its range', four([100_000, 600_000, 900_000, 50_000]), {}, { kind: 'split', shardId: 's2', newStartingHashKey: ((Q * 2n + 2n + Q * 3n + 2n + 1n) / 2n).toString() }],
    ['no split at the shard maximum', four([100_000, 600_000, 900_000, 50_000]), { maxShards: 4 }, undefined],
    ['merge the coldest adjacent pair', four([5_000, 1_000, 2_000, 9_000]), {}, { kind: 'merge', shardId: 's1', adjacentShardId: 's2' }],
    ['no merge when one of the pair is warm', four([5_000, 50_000, 2_000, 50_000]), {}, undefined],
    ['no merge at the shard minimum', four([5_000, 1_000, 2_000, 9_000]), { minShards: 4 }, undefined],
    ['shards that do not touch are not merged', four([1, 1, 1, 1]).filter((s) => s.shardId !== 's1' && s.shardId !== 's3'), {}, undefined],
  ];
  for (const [name, loads, p, want] of cases) it(name, () => assert.deepEqual(planOnDemandReshard(loads, { ...policy, ...p }), want));
});

describe('ShardCallCounts', () => {
  it('counts admitted and throttled calls per shard per second and reports the busiest second', () => {
    const c = new ShardCallCounts(10);
    for (const t of [0, 100, 900]) c.record('s/a', t, true);
    c.record('s/a', 950, false);
    c.record('s/b', 500, true);
    c.record('s/a', 1000, true);
    assert.equal(c.maxAdmittedPerSecond(), 3);
    // 100, 900, 950 (throttled) and 1000 fall in one sliding second: four asked, across two clock seconds.
    assert.equal(c.maxCallsInAnySecond(), 4);
    assert.deepEqual(c.list(), [
      { shard: 's/a', second: 0, admitted: 3, throttled: 1 },
      { shard: 's/b', second: 0, admitted: 1, throttled: 0 },
      { shard: 's/a', second: 1, admitted: 1, throttled: 0 },
    ]);
    c.record('s/a', 20_000, true);
    assert.deepEqual(c.list().map((r) => r.second), [20]);
    assert.equal(c.maxCallsInAnySecond(), 1, 'calls older than keepSeconds are forgotten');
  });
});
