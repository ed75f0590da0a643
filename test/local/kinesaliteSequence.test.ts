// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kinesaliteDb from 'kinesalite/db/index.js';
import { iteratorPosition, sequenceBefore } from '../../src/local/kinesaliteSequence.ts';

describe('kinesalite positions: the continuation before any record is pushed', () => {
  const created = Date.UTC(2026, 0, 1);
  const start = kinesaliteDb.stringifySequence({ shardCreateTime: created, shardIx: 3 });
  const record = kinesaliteDb.stringifySequence({ shardCreateTime: created, shardIx: 3, seqIx: '17', seqTime: created + 3_600_000 });
  it('reads the position out of an emulator iterator', () => {
    assert.equal(iteratorPosition(kinesaliteDb.createShardIterator('s', 'shardId-000000000003', record)), record);
    assert.throws(() => iteratorPosition(Buffer.alloc(160).toString('base64')));
  });
  for (const [name, pos] of [
    ['a shard start (TRIM_HORIZON on an empty shard)', start],
    ['a record position (LATEST, AT_SEQUENCE_NUMBER)', record],
  ] as const)
    it(`AFTER_SEQUENCE_NUMBER the sequence before ${name} starts exactly there`, () => {
      const c = sequenceBefore(pos);
      assert.equal(kinesaliteDb.incrementSequence(c), pos);
      assert.ok(BigInt(c) < BigInt(pos));
    });
});
