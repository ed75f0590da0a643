// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { AggregateBuilder, decodeAggregate, encodeAggregate, type UserRecord } from '../../src/kinesis/kplAggregation.ts';

// AWS's own Node (de)aggregation library, as the reference implementation.
const agg = createRequire(import.meta.url)('aws-kinesis-agg') as {
  deaggregateSync(rec: { data: string; partitionKey: string; sequenceNumber: string }, checksums: boolean, cb: (err: Error | null, out?: Array<{ partitionKey: string; explicitPartitionKey?: string; subSequenceNumber: number; data: string }>) => void): void;
  aggregate(records: unknown[], onEncoded: (r: { data: Buffer; partitionKey: string; explicitHashKey?: string }, cb: (err?: Error) => void) => void, after: () => void, onError: (err: Error) => void): void;
};

function sample(n: number, withEhk = false): UserRecord[] {
  const users = ['ann@example.com', 'bob@example.com', 'zoë@example.com', '山田@example.jp'];
  return Array.from({ length: n }, (_, i) => ({
    partitionKey: users[i % users.length]!,
    ...(withEhk ? { explicitHashKey: String(BigInt(i % 3) * 10n ** 37n) } : {}),
    data: Buffer.from(JSON.stringify({ i, note: 'x'.repeat(i % 300) })),
  }));
}

function awsDeaggregate(buf: Buffer) {
  let out: Array<{ partitionKey: string; explicitPartitionKey?: string; subSequenceNumber: number; data: string }> = [];
  agg.deaggregateSync({ data: buf.toString('base64'), partitionKey: 'outer', sequenceNumber: '1' }, true, (err, records) => {
    assert.ifError(err);
    out = records ?? [];
  });
  return out;
}

describe('KPL aggregation', () => {
  for (const withEhk of [false, true]) {
    it(`what we encode, aws-kinesis-agg decodes (explicit hash keys: ${withEhk})`, () => {
      const records = sample(500, withEhk);
      const buf = encodeAggregate(records);
      const out = awsDeaggregate(buf);
      assert.equal(out.length, records.length);
      out.forEach((r, i) => {
        assert.equal(r.subSequenceNumber, i);
        assert.equal(r.partitionKey, records[i]!.partitionKey);
        if (withEhk) assert.equal(r.explicitPartitionKey, records[i]!.explicitHashKey);
        assert.deepEqual(Buffer.from(r.data, 'base64'), records[i]!.data);
      });
    });
  }

  it('what aws-kinesis-agg encodes, we decode', async () => {
    const records = sample(300).map((r) => ({ partitionKey: r.partitionKey, data: r.data }));
    const encoded: Buffer[] = [];
    await new Promise<void>((resolve, reject) =>
      agg.aggregate(
        records,
        (r, cb) => {
          encoded.push(r.data);
          cb();
        },
        resolve,
        reject,
      ),
    );
    const decoded = encoded.flatMap((b) => decodeAggregate(b) ?? assert.fail('not decoded'));
    assert.equal(decoded.length, records.length);
    decoded.forEach((r, i) => {
      assert.equal(r.partitionKey, records[i]!.partitionKey);
      assert.deepEqual(r.data, records[i]!.data);
    });
  });

  it('tracks the encoded size exactly as records are added', () => {
    const b = new AggregateBuilder();
    for (const r of sample(200, true)) {
      const predicted = b.sizeWith(r);
      b.add(r);
      assert.equal(b.size, predicted);
      assert.equal(b.encode().length, predicted);
    }
  });

  it('treats non-aggregates, bad MD5 and malformed bodies as plain data', () => {
    assert.equal(decodeAggregate(Buffer.from('{"plain":true}')), undefined);
    const good = encodeAggregate(sample(3));
    const badMd5 = Buffer.from(good);
    badMd5[badMd5.length - 1]! ^= 0xff;
    assert.equal(decodeAggregate(badMd5), undefined);
    const badBody = Buffer.from(good);
    badBody[6]! ^= 0xff;
    assert.equal(decodeAggregate(badBody), undefined, 'body change breaks the MD5');
    assert.deepEqual(decodeAggregate(good)?.map((r) => r.partitionKey), sample(3).map((r) => r.partitionKey));
  });

  it('round-trips an empty data payload and a single record', () => {
    const one = [{ partitionKey: 'k', data: Buffer.alloc(0) }];
    assert.deepEqual(decodeAggregate(encodeAggregate(one)), one);
  });
});
