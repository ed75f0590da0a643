// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { userEvent } from '../helpers/userEvent.ts';
import { planUserUpdates, type AppliedEvent, type UserState } from '../../src/dashboard/planUserUpdates.ts';
import { type UserEvent } from '../../src/events/eventSchema.ts';

const ev = userEvent;
const at = (e: UserEvent, seq = '1'): AppliedEvent => ({ event: e, shardId: 's', seq, sub: 0 });

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
