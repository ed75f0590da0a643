// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveKey, parseArchiveKey } from '../../src/archive/archiveKey.ts';

const seqA = '49590338271490256608559692538361571095921575989136588898';
const seqB = '49590338271490256608559692540779422735150834338549071874';

describe('archiveKey', () => {
  const cases = [
    { name: 'gzip, partition from the first arrival', input: { prefix: 'archive', shardId: 'shardId-000000000001', first: { seq: seqA, sub: 0 }, last: { seq: seqB, sub: 3 }, firstArrivalMs: Date.parse('2024-03-09T23:59:59.999Z'), compression: 'gzip' as const }, key: `archive/dt=2024-03-09/hour=23/shardId-000000000001/${seqA}-0_${seqB}-3.jsonl.gz` },
    { name: 'no compression, nested prefix', input: { prefix: 'a/b', shardId: 'shardId-000000000000', first: { seq: '1', sub: 2 }, last: { seq: '1', sub: 9 }, firstArrivalMs: Date.parse('2024-01-01T00:00:00Z'), compression: 'none' as const }, key: 'a/b/dt=2024-01-01/hour=00/shardId-000000000000/1-2_1-9.jsonl' },
    { name: 'empty prefix', input: { prefix: '', shardId: 's', first: { seq: '5', sub: 0 }, last: { seq: '7', sub: 0 }, firstArrivalMs: Date.parse('2030-12-31T05:00:00Z'), compression: 'gzip' as const }, key: 'dt=2030-12-31/hour=05/s/5-0_7-0.jsonl.gz' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(archiveKey(c.input), c.key);
      assert.equal(archiveKey(c.input), archiveKey({ ...c.input }), 'same data, same key');
      assert.deepEqual(parseArchiveKey(c.key), { shardId: c.input.shardId, first: c.input.first, last: c.input.last, compression: c.input.compression });
    });
  }

  it('keys the archive did not write do not parse', () => {
    for (const k of ['archive/notes.txt', 'archive/dt=2024-01-01/hour=00/s/1-0.jsonl.gz', 'archive/dt=2024-01-01/s/1-0_2-0.jsonl.gz', 'archive/dt=2024-01-01/hour=00/s/1-0_2-0.json']) assert.equal(parseArchiveKey(k), undefined, k);
  });
});
