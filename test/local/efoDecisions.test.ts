// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kinesaliteDb from 'kinesalite/db/index.js';
import { iteratorPosition, sequenceBefore } from '../../src/local/kinesaliteSequence.ts';
import { fullPushBudget, recordsToPush, refillBytes, type PushBudget } from '../../src/local/pushBudget.ts';
import { consumerArn, consumerStatus, CONSUMER_LIMITS, streamNameOfArn, StreamConsumers } from '../../src/local/streamConsumers.ts';
import { admitSubscribe, AWS_SUBSCRIBE_RULES, subscriptionExpired, type SubscriptionSlot } from '../../src/local/subscribeAdmission.ts';

const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';

describe('admitSubscribe: one call per second per consumer and shard, one active subscription, takeover after 5 s', () => {
  const cases: Array<[string, SubscriptionSlot, number, string, SubscriptionSlot]> = [
    ['first call', {}, 10_000, 'subscribe', { lastCallAt: 10_000, activeSince: 10_000 }],
    ['999 ms after the previous call', { lastCallAt: 9_001 }, 10_000, 'LimitExceededException', { lastCallAt: 9_001 }],
    ['1000 ms after the previous call, none active', { lastCallAt: 9_000 }, 10_000, 'subscribe', { lastCallAt: 10_000, activeSince: 10_000 }],
    ['while one started 2 s ago streams', { lastCallAt: 8_000, activeSince: 8_000 }, 10_000, 'ResourceInUseException', { lastCallAt: 10_000, activeSince: 8_000 }],
    ['while one started 4999 ms ago streams', { lastCallAt: 5_001, activeSince: 5_001 }, 10_000, 'ResourceInUseException', { lastCallAt: 10_000, activeSince: 5_001 }],
    ['while one started 5 s ago streams: takes it over', { lastCallAt: 5_000, activeSince: 5_000 }, 10_000, 'takeover', { lastCallAt: 10_000, activeSince: 10_000 }],
    ['the 1/s rule comes first', { lastCallAt: 9_500, activeSince: 1_000 }, 10_000, 'LimitExceededException', { lastCallAt: 9_500, activeSince: 1_000 }],
  ];
  for (const [name, slot, now, verdict, after] of cases)
    it(name, () => {
      const a = admitSubscribe(slot, now, AWS_SUBSCRIBE_RULES);
      assert.equal(a.verdict, verdict);
      assert.deepEqual(a.slot, after);
    });

  it('a subscription ends when its lifetime is over, not before', () => {
    assert.equal(subscriptionExpired(0, 299_999, 300_000), false);
    assert.equal(subscriptionExpired(0, 300_000, 300_000), true);
  });
});

describe('recordsToPush: 2 MiB/s per consumer per shard, at least one record while the budget is positive', () => {
  const L = 1000;
  const cases: Array<[string, PushBudget, number[], number, number, number]> = [
    // name, budget, sizes, now, records pushed, bytes left
    ['all fit in a full budget', fullPushBudget(L, 0), [300, 300, 300], 0, 3, 100],
    ['stops before the record that would not fit', fullPushBudget(L, 0), [400, 400, 400], 0, 2, 200],
    ['one record larger than the budget still goes, leaving a debt', fullPushBudget(L, 0), [2500, 10], 0, 1, -1500],
    ['nothing while the budget is spent', { bytes: 0, at: 0 }, [10], 0, 0, 0],
    ['nothing while a debt remains after refilling', { bytes: -1500, at: 0 }, [10], 1000, 0, -500],
    ['refilled half a second: half the budget', { bytes: 0, at: 0 }, [200, 200, 200], 500, 2, 100],
    ['refill is capped at one second', { bytes: 0, at: 0 }, [600, 600], 10_000, 1, 400],
    ['no records: nothing taken', fullPushBudget(L, 0), [], 0, 0, 1000],
  ];
  for (const [name, b, sizes, now, count, left] of cases)
    it(name, () => {
      const r = recordsToPush(b, sizes, L, now);
      assert.equal(r.count, count);
      assert.equal(r.bytes, sizes.slice(0, count).reduce((a, x) => a + x, 0));
      assert.equal(r.budget.bytes, left);
    });

  it('over a long run pushes no more than the rate plus one second of burst plus one record', () => {
    let b = fullPushBudget(L, 0);
    let pushed = 0;
    for (let t = 0; t <= 10_000; t += 50) {
      const r = recordsToPush(b, Array(50).fill(130), L, t);
      b = r.budget;
      pushed += r.bytes;
    }
    assert.ok(pushed <= 10 * L + L + 130, `pushed ${pushed}`);
    assert.ok(pushed >= 10 * L, `pushed ${pushed}`);
  });

  it('refillBytes adds time × rate, capped at one second', () => {
    assert.equal(refillBytes(0, 0, 1000, 250), 250);
    assert.equal(refillBytes(-100, 0, 1000, 2000), 1000);
    assert.equal(refillBytes(5, 10, 1000, 5), 5);
  });
});

describe('StreamConsumers: AWS registration rules', () => {
  const delay = 1000;
  it('a consumer is CREATING, then ACTIVE; deregistered it is DELETING, then gone', () => {
    const r = new StreamConsumers(delay);
    const c = r.register(STREAM, 'app', 5_000);
    assert.ok(!('error' in c));
    assert.equal(c.arn, `${STREAM}/consumer/app:5`);
    assert.equal(r.status(c, 5_999), 'CREATING');
    assert.equal(r.status(c, 6_000), 'ACTIVE');
    r.deregister({ ConsumerARN: c.arn }, 7_000);
    assert.equal(r.status(c, 7_999), 'DELETING');
    assert.equal(r.list(STREAM, 7_999).length, 1);
    assert.equal(r.list(STREAM, 8_000).length, 0);
    assert.equal((r.find({ ConsumerARN: c.arn }, 8_000) as { error: string }).error, 'ResourceNotFoundException');
  });

  it('a second consumer of the same name is ResourceInUseException, also while the first is DELETING; after that the name is free', () => {
    const r = new StreamConsumers(delay);
    r.register(STREAM, 'app', 0);
    assert.equal((r.register(STREAM, 'app', 2_000) as { error: string }).error, 'ResourceInUseException');
    r.deregister({ StreamARN: STREAM, ConsumerName: 'app' }, 2_000);
    assert.equal((r.register(STREAM, 'app', 2_500) as { error: string }).error, 'ResourceInUseException');
    assert.ok(!('error' in r.register(STREAM, 'app', 3_000)));
    assert.ok(!('error' in r.register(`${STREAM}2`, 'app', 3_000)), 'names are per stream');
  });

  it(`at most ${CONSUMER_LIMITS.perStream} consumers per stream, and ${CONSUMER_LIMITS.creatingAtOnce} CREATING at once`, () => {
    const r = new StreamConsumers(delay);
    for (let i = 0; i < CONSUMER_LIMITS.creatingAtOnce; i++) assert.ok(!('error' in r.register(STREAM, `c${i}`, 0)));
    assert.equal((r.register(STREAM, 'sixth', 0) as { error: string }).error, 'LimitExceededException');
    let t = 1000;
    for (let i = CONSUMER_LIMITS.creatingAtOnce; i < CONSUMER_LIMITS.perStream; i++, t += 1000) assert.ok(!('error' in r.register(STREAM, `c${i}`, t)));
    t += 1000;
    assert.equal((r.register(STREAM, 'c20', t) as { error: string }).error, 'LimitExceededException');
    assert.ok(!('error' in r.register(`${STREAM}2`, 'c20', t)), 'the limit is per stream');
  });

  it('find takes the ARN, or the stream ARN and name, and both must agree', () => {
    const r = new StreamConsumers(delay);
    const c = r.register(STREAM, 'app', 0);
    assert.ok(!('error' in c));
    assert.equal(r.find({ StreamARN: STREAM, ConsumerName: 'app' }, 0), c);
    assert.equal((r.find({ ConsumerARN: c.arn, ConsumerName: 'other' }, 0) as { error: string }).error, 'ResourceNotFoundException');
    assert.equal((r.find({ ConsumerName: 'app' }, 0) as { error: string }).error, 'InvalidArgumentException');
  });

  it('a deleted stream takes its consumers', () => {
    const r = new StreamConsumers(delay);
    r.register(STREAM, 'app', 0);
    r.forgetStream('s');
    assert.equal(r.list(STREAM, 0).length, 0);
  });

  it('ARN helpers', () => {
    assert.equal(consumerArn(STREAM, 'x', 1_700_000_000_999), `${STREAM}/consumer/x:1700000000`);
    assert.equal(streamNameOfArn(`${STREAM}/consumer/x:1`), 's');
    assert.equal(streamNameOfArn(STREAM), 's');
    assert.equal(streamNameOfArn('nope'), undefined);
    assert.equal(consumerStatus({ name: 'x', arn: '', streamArn: STREAM, createdAt: 0 }, 0, 0), 'ACTIVE');
  });
});

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
