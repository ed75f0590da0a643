// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deaggregate } from '../../src/kinesis/deaggregate.ts';
import { encodeAggregate } from '../../src/kinesis/kplAggregation.ts';
import { hashKeyOf } from '../../src/kinesis/shardMap.ts';

const MAX = 2n ** 128n - 1n;
const lower = { start: 0n, end: MAX / 2n };
// Keys on either side of the middle of the hash space.
const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
const low = keys.filter((k) => hashKeyOf(k) <= MAX / 2n).slice(0, 3);
const high = keys.filter((k) => hashKeyOf(k) > MAX / 2n).slice(0, 3);
const rec = (seq: string, pks: string[], explicit?: string) => ({
  sequenceNumber: seq,
  partitionKey: pks[0]!,
  data: encodeAggregate(pks.map((pk, i) => ({ partitionKey: pk, data: Buffer.from(`${pk}#${i}`), ...(explicit ? { explicitHashKey: explicit } : {}) }))),
  arrivalMs: 0,
});

describe('de-aggregation as the KCL does it', () => {
  const cases: Array<{ name: string; raw: ReturnType<typeof rec>[]; range?: typeof lower; after?: { seq: string; sub: number; last: boolean }; want: Array<[string, number, boolean]>; dropped: number }> = [
    { name: 'without a range nothing is dropped', raw: [rec('1', [low[0]!, high[0]!, low[1]!])], want: [['1', 0, false], ['1', 1, false], ['1', 2, true]], dropped: 0 },
    { name: 'sub-records outside the shard are dropped and counted', raw: [rec('1', [low[0]!, high[0]!, low[1]!])], range: lower, want: [['1', 0, false], ['1', 2, true]], dropped: 1 },
    { name: 'a dropped tail makes the last kept sub-record the aggregate\'s last', raw: [rec('1', [low[0]!, high[0]!, high[1]!])], range: lower, want: [['1', 0, true]], dropped: 2 },
    { name: 'an aggregate wholly outside yields nothing', raw: [rec('1', [high[0]!, high[1]!]), rec('2', [low[2]!])], range: lower, want: [['2', 0, true]], dropped: 2 },
    { name: 'an explicit hash key of the sub-record decides, not the partition key', raw: [rec('1', [high[0]!], '5')], range: lower, want: [['1', 0, true]], dropped: 0 },
    { name: 'the checkpoint still skips what was processed', raw: [rec('1', [low[0]!, high[0]!, low[1]!, low[2]!])], range: lower, after: { seq: '1', sub: 2, last: false }, want: [['1', 3, true]], dropped: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = deaggregate('shard-a', c.raw, c.after, c.range);
      assert.deepEqual(out.records.map((r) => [r.seq, r.sub, r.last]), c.want);
      assert.equal(out.dropped, c.dropped);
    });
  }

  it('a plain record is never dropped (Kinesis routed it by its own key)', () => {
    const plain = { sequenceNumber: '9', partitionKey: high[0]!, data: Buffer.from('{}'), arrivalMs: 0 };
    assert.equal(deaggregate('shard-a', [plain], undefined, lower).records.length, 1);
  });
});
