// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iteratorExpired, unwrapIterator, wrapIterator } from '../../src/local/proxyIterator.ts';

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
