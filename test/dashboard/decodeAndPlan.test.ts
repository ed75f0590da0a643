// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipText, decodeEventRecord } from '../../src/dashboard/decodeEventRecord.ts';
import { planUserUpdates, type AppliedEvent, type UserState } from '../../src/dashboard/planUserUpdates.ts';
import { serializeEvent, type UserEvent } from '../../src/events/eventSchema.ts';

const ev = (o: Partial<UserEvent> = {}): UserEvent => ({
  eventId: 'e',
  userid: 'u',
  fullName: 'N',
  gender: 'M',
  relationshipStatus: 'single',
  activityType: 'TopicViewed',
  activityMetadata: 'm',
  activityTimestamp: '2024-01-01T00:00:00.000Z',
  ...o,
});
const at = (e: UserEvent, seq = '1'): AppliedEvent => ({ event: e, shardId: 's', seq, sub: 0 });

describe('decodeEventRecord', () => {
  it('accepts a serialized event, including SQL metacharacters as plain data', () => {
    const e = ev({ fullName: "Robert'); DROP TABLE events;--", activityMetadata: '\\" OR 1=1 --' });
    const d = decodeEventRecord(Buffer.from(serializeEvent(e)));
    assert.ok(d.ok);
    assert.deepEqual(d.event, e);
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    ['not JSON', Buffer.from('hello'), /not valid JSON/],
    ['wrong type', Buffer.from(JSON.stringify({ ...ev(), userSeq: 'three' })), /userSeq/],
    ['missing field', Buffer.from(JSON.stringify({ ...ev(), userid: undefined })), /userid/],
    ['huge string', Buffer.from(JSON.stringify({ ...ev(), activityMetadata: 'x'.repeat(100_000) })), /activityMetadata/],
    ['lone surrogate', Buffer.from(JSON.stringify(ev()).replace('"N"', '"\\ud800"')), /lone surrogate/],
    ['array', Buffer.from('[1,2]'), /expected object/],
  ];
  for (const [name, data, reason] of bad) {
    it(`dead-letters ${name} with the reason and a clipped payload`, () => {
      const d = decodeEventRecord(data);
      assert.ok(!d.ok);
      assert.match(d.reason, reason);
      assert.ok(d.payload.length <= 4097 + 10);
    });
  }

  it('clips without splitting a surrogate pair', () => {
    const s = 'a'.repeat(9) + '😀' + 'b';
    assert.equal(clipText(s, 10), 'a'.repeat(9) + '…');
    assert.ok(clipText(s, 10).isWellFormed());
  });
});

describe('planUserUpdates', () => {
  const state = (o: Partial<UserState> = {}): UserState => ({
    userid: 'u',
    fullName: 'Old',
    gender: 'M',
    relationshipStatus: 'single',
    lastActivityType: 'TopicViewed',
    lastActivityMetadata: 'm',
    lastActivityTs: Date.parse('2024-01-01T00:00:00Z'),
    lastUserSeq: 5,
    lastEventId: 'e5',
    lastShardId: 's',
    lastSeq: '1',
    lastSub: 0,
    eventCount: 6,
    ...o,
  });
  const cases: Array<{ name: string; current: UserState[]; applied: AppliedEvent[]; lastEventId: string; count: number; outOfOrder: number }> = [
    { name: 'a new user starts at its first event', current: [], applied: [at(ev({ eventId: 'a', userSeq: 0 }))], lastEventId: 'a', count: 1, outOfOrder: 0 },
    { name: 'newer events move the state forward in stream order', current: [state()], applied: [at(ev({ eventId: 'e6', userSeq: 6 })), at(ev({ eventId: 'e7', userSeq: 7 }))], lastEventId: 'e7', count: 8, outOfOrder: 0 },
    { name: 'an older event counts but does not move the state back', current: [state()], applied: [at(ev({ eventId: 'e3', userSeq: 3 }))], lastEventId: 'e5', count: 7, outOfOrder: 1 },
    { name: 'within a batch an older event after a newer one is out of order', current: [], applied: [at(ev({ eventId: 'b', userSeq: 9 })), at(ev({ eventId: 'a', userSeq: 8 }))], lastEventId: 'b', count: 2, outOfOrder: 1 },
    { name: 'without userSeq the activity time decides', current: [state({ lastUserSeq: null })], applied: [at(ev({ eventId: 'old', activityTimestamp: '2023-12-31T23:59:59.000Z' })), at(ev({ eventId: 'new', activityTimestamp: '2024-01-01T00:00:01.000Z' }))], lastEventId: 'new', count: 8, outOfOrder: 1 },
    { name: 'an equal position is not older (same-time legacy events apply in stream order)', current: [state({ lastUserSeq: null })], applied: [at(ev({ eventId: 'same' }))], lastEventId: 'same', count: 7, outOfOrder: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { states, outOfOrder } = planUserUpdates(new Map(c.current.map((s) => [s.userid, s])), c.applied);
      const s = states.get('u')!;
      assert.equal(s.lastEventId, c.lastEventId);
      assert.equal(s.eventCount, c.count);
      assert.equal(outOfOrder, c.outOfOrder);
    });
  }
});
