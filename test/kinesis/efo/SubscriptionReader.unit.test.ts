// test tier: unit (a scripted EfoPort: no services)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReadCounters } from '../../../src/kinesis/ShardReader.ts';
import type { Position } from '../../../src/kinesis/position.ts';
import type { EfoPort, SubscribeEvent } from '../../../src/kinesis/efo/EfoPort.ts';
import { SubscriptionReader } from '../../../src/kinesis/efo/SubscriptionReader.ts';
import type { IteratorStart } from '../../../src/kinesis/KinesisReadPort.ts';
import { encodeAggregate } from '../../../src/kinesis/kplAggregation.ts';
import { createLogger } from '../../../src/log/createLogger.ts';
import { waitFor } from '../../helpers/waitFor.ts';

/** One subscription: its events, then it ends (`then: 'end'`), or stays open until aborted (`'hang'`); or the call fails. */
type Step = { events: SubscribeEvent[]; then: 'end' | 'hang' } | { error: string };

const silentLog = createLogger({ level: 'silent', pretty: false });
const rec = (seq: string, data: string | Buffer) => ({ sequenceNumber: seq, partitionKey: 'k', data: typeof data === 'string' ? Buffer.from(data) : data, arrivalMs: 0 });
const ev = (records: ReturnType<typeof rec>[], continuation: string | undefined, millisBehindLatest = 0): SubscribeEvent => ({ records, continuation, millisBehindLatest, childShardIds: continuation === undefined ? ['shardId-000000000001'] : [] });

function scripted(steps: Step[]): { port: EfoPort; starts: IteratorStart[]; open: () => number } {
  const starts: IteratorStart[] = [];
  let open = 0;
  const unused = () => Promise.reject(new Error('not used'));
  const port: EfoPort = {
    streamArn: unused,
    describeConsumer: unused,
    registerConsumer: unused,
    listConsumers: unused,
    deregisterConsumer: unused,
    async subscribe(_arn, _shard, start, signal) {
      starts.push(start);
      const step = steps.shift();
      if (!step) throw new Error('script exhausted');
      if ('error' in step) throw Object.assign(new Error(step.error), { name: step.error });
      open++;
      return {
        async *[Symbol.asyncIterator]() {
          try {
            for (const e of step.events) yield e;
            if (step.then === 'hang') await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          } finally {
            open--;
          }
        },
      };
    },
  };
  return { port, starts, open: () => open };
}

function reader(port: EfoPort, signal: AbortSignal, from?: Position, batch?: { maxRecords: number; maxBytes: number }) {
  let clock = 0;
  return new SubscriptionReader({
    ...(batch ? { batch } : {}),
    efo: port,
    consumerArn: async () => 'arn:consumer',
    shardId: 'shardId-000000000000',
    range: undefined,
    from,
    initial: { type: 'TRIM_HORIZON' },
    counters: createReadCounters(),
    log: silentLog,
    signal,
    // Ten seconds pass between calls: the 1/s spacing never waits; backoff waits are the shortest the jitter allows.
    now: () => (clock += 10_000),
    random: () => 1,
  });
}

const texts = (rs: Array<{ data: Buffer }>) => rs.map((r) => r.data.toString());

describe('SubscriptionReader', () => {
  it('resubscribes AFTER the last continuation when a subscription ends, without gap or repeat', { timeout: 10_000 }, async () => {
    const s = scripted([
      { events: [ev([rec('10', 'a'), rec('11', 'b')], '11'), ev([], '15')], then: 'end' },
      { events: [ev([rec('16', 'c')], '16')], then: 'hang' },
    ]);
    const stop = new AbortController();
    const r = reader(s.port, stop.signal);
    assert.deepEqual(texts((await r.next()).records), ['a', 'b']);
    assert.deepEqual((await r.next()).records, []); // at the tip
    assert.deepEqual(texts((await r.next()).records), ['c']);
    assert.deepEqual(s.starts, [{ type: 'TRIM_HORIZON' }, { type: 'AFTER_SEQUENCE_NUMBER', seq: '15' }]);
    stop.abort();
  });

  it('starts AT a half-done aggregate and drops its sub-records already done', { timeout: 10_000 }, async () => {
    const agg = encodeAggregate(['x0', 'x1', 'x2'].map((d) => ({ partitionKey: 'k', data: Buffer.from(d) })));
    const s = scripted([{ events: [ev([rec('20', agg), rec('21', 'y')], '21')], then: 'hang' }]);
    const stop = new AbortController();
    const r = reader(s.port, stop.signal, { seq: '20', sub: 0, last: false });
    const b = await r.next();
    assert.deepEqual(texts(b.records), ['x1', 'x2', 'y']);
    assert.deepEqual(b.records.map((x) => [x.seq, x.sub, x.last]), [['20', 1, false], ['20', 2, true], ['21', 0, true]]);
    assert.deepEqual(s.starts, [{ type: 'AT_SEQUENCE_NUMBER', seq: '20' }]);
    stop.abort();
  });

  it('waits out a zombie subscription (ResourceInUseException) and the subscribe limit, then reads on', { timeout: 20_000 }, async () => {
    const s = scripted([{ error: 'ResourceInUseException' }, { error: 'LimitExceededException' }, { events: [ev([rec('30', 'z')], '30')], then: 'hang' }]);
    const stop = new AbortController();
    const r = reader(s.port, stop.signal, { seq: '29', sub: 0, last: true });
    assert.deepEqual(texts((await r.next()).records), ['z']);
    assert.equal(s.starts.length, 3);
    assert.ok(s.starts.every((x) => x.type === 'AFTER_SEQUENCE_NUMBER' && x.seq === '29'));
    stop.abort();
  });

  it('reads on past empty events while behind the tip; ends at the end of a closed shard and closes the subscription', { timeout: 10_000 }, async () => {
    const s = scripted([{ events: [ev([], '40', 5_000), ev([rec('41', 'last')], '41', 0), ev([], undefined, 0)], then: 'hang' }]);
    const stop = new AbortController();
    const r = reader(s.port, stop.signal);
    assert.deepEqual(texts((await r.next()).records), ['last']);
    const end = await r.next();
    assert.deepEqual(end, { records: [], millisBehindLatest: 0, end: true });
    assert.equal(s.open(), 0);
    stop.abort();
  });

  it('stops at once when aborted while waiting for an event, and ends the subscription', { timeout: 10_000 }, async () => {
    const s = scripted([{ events: [], then: 'hang' }]);
    const stop = new AbortController();
    const r = reader(s.port, stop.signal);
    const pending = r.next();
    await waitFor('the subscription open', () => s.open() === 1, 5_000);
    stop.abort();
    assert.deepEqual(await pending, { records: [], millisBehindLatest: undefined, end: false });
    assert.equal(s.starts.length, 1);
    await waitFor('the subscription closed', () => s.open() === 0, 5_000);
  });

  it('hands out the events with records already received as one batch, within its bounds', { timeout: 10_000 }, async () => {
    const s = scripted([{ events: [ev([rec('50', 'a')], '50'), ev([rec('51', 'b')], '51'), ev([rec('52', 'c')], '52'), ev([], '52'), ev([rec('53', 'd')], '53')], then: 'hang' }]);
    const stop = new AbortController();
    const r = reader(s.port, stop.signal, undefined, { maxRecords: 2, maxBytes: 1024 });
    assert.deepEqual(texts((await r.next()).records), ['a', 'b']);
    assert.deepEqual(texts((await r.next()).records), ['c']); // the empty event after it is not taken into the batch
    assert.deepEqual((await r.next()).records, []);
    assert.deepEqual(texts((await r.next()).records), ['d']);
    assert.equal(s.starts.length, 1);
    stop.abort();
  });

  it('does not wait for an event that has not arrived to fill a batch', { timeout: 10_000 }, async () => {
    let release!: () => void;
    const later = new Promise<void>((resolve) => (release = resolve));
    const port: EfoPort = {
      ...scripted([]).port,
      async subscribe() {
        return {
          async *[Symbol.asyncIterator]() {
            yield ev([rec('60', 'now')], '60');
            await later;
            yield ev([rec('61', 'later')], '61');
            await new Promise(() => undefined);
          },
        };
      },
    };
    const stop = new AbortController();
    const r = reader(port, stop.signal);
    assert.deepEqual(texts((await r.next()).records), ['now']);
    const second = r.next();
    release();
    assert.deepEqual(texts((await second).records), ['later']);
    stop.abort();
  });

  it('gives up on an error retrying cannot cure', { timeout: 10_000 }, async () => {
    const s = scripted([{ error: 'AccessDeniedException' }]);
    const stop = new AbortController();
    await assert.rejects(reader(s.port, stop.signal).next(), { name: 'AccessDeniedException' });
    stop.abort();
  });
});
