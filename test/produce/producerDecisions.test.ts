// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { classifyPutResult } from '../../src/produce/classifyPutResult.ts';
import { freshCallBytes } from '../../src/produce/freshCallBytes.ts';
import { insertRetry } from '../../src/produce/insertRetry.ts';
import { isIgnoredInputName, orderInputFiles } from '../../src/produce/orderInputFiles.ts';
import { buildShardMap, hashKeyOf, shardIndexFor } from '../../src/produce/shardMap.ts';
import { TokenBucket } from '../../src/produce/TokenBucket.ts';

const MAX = 2n ** 128n - 1n;
const fourShards = buildShardMap(
  [0n, 1n, 2n, 3n].map((i) => ({
    ShardId: `shardId-00000000000${i}`,
    HashKeyRange: { StartingHashKey: String((MAX / 4n) * i + (i > 0n ? i : 0n)), EndingHashKey: String(i === 3n ? MAX : (MAX / 4n) * (i + 1n) + i) },
    SequenceNumberRange: {},
  })),
);

describe('shard map', () => {
  it('hashes a partition key like Kinesis: MD5 as an unsigned 128-bit integer', () => {
    for (const key of ['', 'a', 'user-42@example.com', '山田']) {
      assert.equal(hashKeyOf(key), BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex')));
    }
  });

  const cases: Array<[string, bigint, number]> = [
    ['lowest key', 0n, 0],
    ['end of shard 0', MAX / 4n, 0],
    ['start of shard 1', MAX / 4n + 1n, 1],
    ['middle', MAX / 2n + 5n, 2],
    ['highest key', MAX, 3],
  ];
  for (const [name, hash, want] of cases) it(`finds the shard for the ${name}`, () => assert.equal(shardIndexFor(fourShards, hash), want));

  it('leaves closed shards out and sorts by range; a gap finds no shard', () => {
    const map = buildShardMap([
      { ShardId: 'b', HashKeyRange: { StartingHashKey: '100', EndingHashKey: '199' } },
      { ShardId: 'parent', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '199' }, SequenceNumberRange: { EndingSequenceNumber: '9' } },
      { ShardId: 'a', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '49' } },
    ]);
    assert.deepEqual(map.shards.map((s) => s.shardId), ['a', 'b']);
    assert.equal(shardIndexFor(map, 75n), -1);
    assert.equal(map.shards[1]!.startingHashKey, '100');
  });
});

describe('token bucket', () => {
  const cases: Array<{ name: string; rate: number; cap: number; steps: Array<[number, number, boolean]> }> = [
    { name: 'starts full, refuses past capacity', rate: 1000, cap: 1000, steps: [[0, 600, true], [0, 600, false], [0, 400, true]] },
    { name: 'refills with time, capped', rate: 1000, cap: 1000, steps: [[0, 1000, true], [500, 600, false], [600, 600, true], [10_000, 1001, false], [10_000, 1000, true]] },
    { name: 'a refused take takes nothing', rate: 10, cap: 10, steps: [[0, 11, false], [0, 10, true]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = new TokenBucket(c.rate, c.cap, 0);
      c.steps.forEach(([at, n, ok], i) => assert.equal(b.tryTake(n, at), ok, `step ${i}`));
    });
  }
  it('says how long until n tokens are there', () => {
    const b = new TokenBucket(1000, 1000, 0);
    b.tryTake(1000, 0);
    assert.equal(b.msUntil(500, 0), 500);
    assert.equal(b.msUntil(500, 250), 250);
    assert.equal(b.msUntil(2000, 0), Infinity);
  });
});

describe('PutRecords result classification', () => {
  // A parent 0..99 split into 0..49 and 50..99: an aggregate routed by the parent's starting hash key lands on the lower child.
  const ranges = new Map([
    ['parent', { start: 0n, end: 99n }],
    ['low', { start: 0n, end: 49n }],
    ['high', { start: 50n, end: 99n }],
    ['s1', { start: 0n, end: 99n }],
  ]);
  const ok = (shardId: string) => ({ shardId, sequenceNumber: '1' });
  const cases: Array<{ name: string; sent: Array<[string | undefined, bigint[]]>; results: Parameters<typeof classifyPutResult>[1]; want: Partial<ReturnType<typeof classifyPutResult>> }> = [
    {
      name: 'all acknowledged on the predicted shards',
      sent: [['low', [1n, 49n]]],
      results: [ok('low')],
      want: { acked: [0], misplaced: [], unknownShard: [], failed: [], throttled: 0, staleMap: false },
    },
    {
      name: 'failed and throttled records are retried, not acknowledged',
      sent: [['s1', [1n]], ['s1', [2n]], [undefined, [3n]]],
      results: [ok('s1'), { errorCode: 'ProvisionedThroughputExceededException' }, { errorCode: 'InternalFailure' }],
      want: { acked: [0], failed: [{ index: 1, errorCode: 'ProvisionedThroughputExceededException' }, { index: 2, errorCode: 'InternalFailure' }], throttled: 1, staleMap: false },
    },
    {
      name: 'an aggregate built for the parent lands on the lower child: user records of the upper half are misplaced',
      sent: [['parent', [10n, 60n, 49n, 99n, 50n]]],
      results: [ok('low')],
      want: { acked: [], misplaced: [{ index: 0, users: [1, 3, 4] }], staleMap: true },
    },
    {
      name: 'landing elsewhere with every user record in range is acknowledged (but the map is stale)',
      sent: [['parent', [60n, 70n]]],
      results: [ok('high')],
      want: { acked: [0], misplaced: [], staleMap: true },
    },
    {
      name: 'a shard the map does not know is judged later',
      sent: [['low', [1n]], ['low', [2n]]],
      results: [ok('brand-new'), ok('low')],
      want: { acked: [1], unknownShard: [0], staleMap: true },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = classifyPutResult(
        c.sent.map(([shardId, userHashes]) => ({ shardId, userHashes })),
        c.results,
        ranges,
      );
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(o[k as keyof typeof o], v, k);
    });
  }
});

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

describe('input file order', () => {
  it('sorts by name then mtime and skips hidden and partial files', () => {
    const files = [
      { name: 'b.json', mtimeMs: 1 },
      { name: '.a.json.partial', mtimeMs: 0 },
      { name: 'a.json', mtimeMs: 5 },
      { name: 'c.json.partial', mtimeMs: 0 },
      { name: '.hidden', mtimeMs: 0 },
      { name: 'a.jsonl', mtimeMs: 0 },
    ];
    assert.deepEqual(orderInputFiles(files).map((f) => f.name), ['a.json', 'a.jsonl', 'b.json']);
  });

  const names: Array<[string, boolean]> = [
    ['events.json', false],
    ['events.jsonl', false],
    ['events.json.tmp', true],
    ['events.json.TMP', true],
    ['events.json.part', true],
    ['events.json.partial', true],
    ['events.json.crdownload', true],
    ['events.json.filepart', true],
    ['events.json~', true],
    ['.events.json.Xy12ab', true],
    ['part.json', false],
    ['tmp.json', false],
  ];
  for (const [name, ignored] of names) it(`${ignored ? 'skips' : 'reads'} ${name}`, () => assert.equal(isIgnoredInputName(name), ignored));
});

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
