// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeadQueue } from '../../src/produce/HeadQueue.ts';
import { KeyQueues } from '../../src/produce/KeyQueues.ts';
import type { KeyState, RecordOwner, ShardLane } from '../../src/produce/producerRecords.ts';
import { TokenBucket } from '../../src/produce/TokenBucket.ts';

const owner: RecordOwner = { acked: () => undefined, deadLettered: () => undefined };
const laneOf = (): ShardLane => ({
  range: { shardId: 's', start: 0n, end: 2n ** 128n - 1n, startingHashKey: '0' },
  ready: new HeadQueue<KeyState>(),
  readyBytes: 0,
  retries: [],
  bytes: new TokenBucket(1, 1, 0),
  records: new TokenBucket(1, 1, 0),
});
const data = (s: string) => Buffer.from(s);
const readyKeys = (lane: ShardLane) => lane.ready.drain().map((k) => k.pk);

/** One lane, queues over it, and events `a:0`, `a:1`, … of key `a` added (the first key ready on the lane). */
function queued(strictOrder: boolean, events: number) {
  const lane = laneOf();
  const q = new KeyQueues(strictOrder, () => lane, () => assert.fail('placed'));
  for (let i = 0; i < events; i++) q.add('a', data(String(i)), owner, i, 0);
  const held: KeyState[] = [];
  return { lane, q, k: lane.ready.peek()!, held };
}

describe('KeyQueues', () => {
  it('a key is ready once, however many events it queues; bytes are counted on its lane', () => {
    const lane = laneOf();
    const q = new KeyQueues(true, () => lane, () => assert.fail('placed'));
    q.add('a', data('1'), owner, 0, 0);
    q.add('a', data('22'), owner, 1, 0);
    q.add('b', data('333'), owner, 2, 0);
    assert.deepEqual([q.events, q.bytes, lane.readyBytes], [3, 6, 6]);
    assert.deepEqual(readyKeys(lane), ['a', 'b']);
  });

  it('strict order: a taken key is held until its record settles, then ready again with what is left', () => {
    const { lane, q, k, held } = queued(true, 2);
    assert.equal(q.take(k).position, 0);
    q.release(lane, k, held);
    assert.deepEqual(held.map((h) => h.pk), ['a']);
    assert.equal(lane.ready.size, 0, 'held, not ready');
    q.add('a', data('3'), owner, 2, 0);
    assert.equal(lane.ready.size, 0, 'a new event does not release a held key');
    q.settle(held);
    assert.equal(lane.ready.peek(), k);
    assert.equal(lane.readyBytes, 2);
    assert.deepEqual([q.take(k).position, q.take(k).position], [1, 2]);
  });

  it('without strict order a key stays ready while it has events and is forgotten once empty', () => {
    const { lane, q, k, held } = queued(false, 2);
    q.take(k);
    q.release(lane, k, held);
    assert.equal(lane.ready.peek(), k, 'still ready');
    q.take(k);
    q.release(lane, k, held);
    assert.deepEqual([held.length, lane.ready.size, q.events, lane.readyBytes], [0, 0, 0, 0]);
    q.add('a', data('3'), owner, 2, 0);
    assert.notEqual(lane.ready.peek(), k, 'a forgotten key is made anew');
  });

  it('put-back events go in front of newer ones, in their order, and the held key is not released by it', () => {
    const { lane, q, k, held } = queued(true, 3);
    const sent = [q.take(k), q.take(k)];
    q.release(lane, k, held);
    q.putBack(sent);
    assert.equal(lane.ready.size, 0);
    q.settle(held);
    assert.deepEqual([q.take(k).position, q.take(k).position, q.take(k).position], [0, 1, 2]);
  });

  it('a key with no lane waits unplaced and is placed when the lanes are replaced', () => {
    let lane: ShardLane | undefined;
    let unplaced = 0;
    const q = new KeyQueues(true, () => lane, () => unplaced++);
    q.add('a', data('1'), owner, 0, 0);
    assert.equal(unplaced, 1);
    const old = laneOf();
    lane = laneOf();
    q.rehome([old]);
    assert.deepEqual(readyKeys(lane), ['a']);
  });
});
