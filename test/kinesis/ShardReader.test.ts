// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiredIteratorException, ProvisionedThroughputExceededException, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { createReadCounters, ShardReader } from '../../src/kinesis/ShardReader.ts';
import { KinesisError } from '../../src/kinesis/KinesisError.ts';
import type { GetRecordsResult, IteratorStart, KinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import { createLogger } from '../../src/log/createLogger.ts';

const log = createLogger({ level: 'silent', pretty: false });
const options = { intervalMs: 200, share: 1, shardCallsPerSec: 5, shardBytesPerSec: 2 * 1024 * 1024, maxBytesPerFetch: 1024 * 1024, idleMs: 200, idleMaxMs: 400, maxRecordsPerFetch: 100 };
const meta = { httpStatusCode: 400 };
const failure = (cause: unknown) => new KinesisError('GetRecords', 'http://127.0.0.1:9', cause);
const record = (seq: string) => ({ sequenceNumber: seq, partitionKey: 'u1', data: new TextEncoder().encode(`{"n":${seq}}`), arrivalMs: 0 });

/** A port answering GetRecords from a script of outcomes (an error is thrown), and recording the iterators asked for. */
function scripted(outcomes: Array<GetRecordsResult | unknown>) {
  const iterators: IteratorStart[] = [];
  let calls = 0;
  const port: KinesisReadPort = {
    describeStream: async () => ({ arn: 'arn', createdMs: 0 }),
    listShards: async () => [],
    getShardIterator: async (_shard, start) => {
      iterators.push(start);
      return `it-${iterators.length}`;
    },
    getRecords: async () => {
      const o = outcomes[Math.min(calls++, outcomes.length - 1)];
      if (o && typeof o === 'object' && 'records' in o) return o as GetRecordsResult;
      throw o;
    },
  };
  return { port, iterators, calls: () => calls };
}

function reader(port: KinesisReadPort, shardGone?: () => Promise<boolean>) {
  const counters = createReadCounters();
  const r = new ShardReader({
    kinesis: port,
    shardId: 'shardId-000000000000',
    range: undefined,
    from: undefined,
    initial: { type: 'TRIM_HORIZON' },
    options,
    counters,
    log,
    signal: new AbortController().signal,
    ...(shardGone ? { shardGone } : {}),
    random: () => 1,
  });
  return { r, counters };
}

const batch = (seqs: string[], o: { shardEnd?: boolean } = {}): GetRecordsResult => ({ records: seqs.map(record), nextIterator: o.shardEnd ? undefined : 'more', millisBehindLatest: 0 });

describe('ShardReader failures', () => {
  it('throws a bug (TypeError) at once instead of retrying it', { timeout: 30_000 }, async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'Records')");
    const s = scripted([bug]);
    await assert.rejects(reader(s.port).r.next(), (err: unknown) => err === bug);
    assert.equal(s.calls(), 1);
  });

  it('throws a refusal that is not retriable (no stream, shard not gone) at once', { timeout: 30_000 }, async () => {
    const refused = failure(new ResourceNotFoundException({ message: 'no stream', $metadata: meta }));
    const s = scripted([refused]);
    await assert.rejects(reader(s.port, async () => false).r.next(), (err: unknown) => err === refused);
    assert.equal(s.calls(), 1);
  });

  it('retries retriable failures (network) and returns the batch', { timeout: 30_000 }, async () => {
    const down = failure(Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }));
    const s = scripted([down, down, batch(['1', '2'])]);
    const b = await reader(s.port).r.next();
    assert.deepEqual(b.records.map((x) => x.seq), ['1', '2']);
    assert.equal(s.calls(), 3);
  });

  it('renews an expired iterator after the last record returned, instead of repeating the call', { timeout: 30_000 }, async () => {
    const expired = failure(new ExpiredIteratorException({ message: 'expired', $metadata: meta }));
    const s = scripted([batch(['5']), expired, batch(['6'], { shardEnd: true })]);
    const { r } = reader(s.port);
    assert.deepEqual((await r.next()).records.map((x) => x.seq), ['5']);
    const b = await r.next();
    assert.deepEqual(b.records.map((x) => x.seq), ['6']);
    assert.equal(b.end, true);
    assert.deepEqual(s.iterators, [{ type: 'TRIM_HORIZON' }, { type: 'AFTER_SEQUENCE_NUMBER', seq: '5' }]);
  });

  it('counts a throttled read and slows down, never failing', { timeout: 30_000 }, async () => {
    const throttled = failure(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: meta }));
    const s = scripted([throttled, batch(['1'])]);
    const { r, counters } = reader(s.port);
    assert.deepEqual((await r.next()).records.map((x) => x.seq), ['1']);
    assert.equal(counters.readsThrottled, 1);
  });
});
