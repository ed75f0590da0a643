// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerArn, consumerStatus, CONSUMER_LIMITS, streamNameOfArn, StreamConsumers } from '../../src/local/streamConsumers.ts';

const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';

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
