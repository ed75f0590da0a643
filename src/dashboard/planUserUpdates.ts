import type { UserEvent } from '../events/eventSchema.ts';

export interface AppliedEvent {
  event: UserEvent;
  shardId: string;
  seq: string;
  sub: number;
}

export interface UserState {
  userid: string;
  fullName: string;
  gender: string;
  relationshipStatus: string;
  lastActivityType: string;
  lastActivityMetadata: string;
  lastActivityTs: number;
  lastUserSeq: number | null;
  lastEventId: string;
  lastShardId: string;
  lastSeq: string;
  lastSub: number;
  eventCount: number;
}

/**
 * True when `e` comes before what the user's state already reflects: by userSeq when both have
 * one, otherwise by activity time.
 */
export function isOlder(e: UserEvent, state: UserState): boolean {
  if (e.userSeq !== undefined && state.lastUserSeq !== null) return e.userSeq < state.lastUserSeq;
  return Date.parse(e.activityTimestamp) < state.lastActivityTs;
}

/**
 * Folds newly inserted events (in stream order) into the users' states. Every new event counts;
 * only events not older than the state move it, so a user's latest state never goes backwards.
 */
export function planUserUpdates(current: ReadonlyMap<string, UserState>, applied: readonly AppliedEvent[]): { states: Map<string, UserState>; outOfOrder: number } {
  const states = new Map<string, UserState>();
  let outOfOrder = 0;
  for (const a of applied) {
    const e = a.event;
    const prev = states.get(e.userid) ?? current.get(e.userid);
    if (prev && isOlder(e, prev)) {
      outOfOrder++;
      states.set(e.userid, { ...prev, eventCount: prev.eventCount + 1 });
      continue;
    }
    states.set(e.userid, {
      userid: e.userid,
      fullName: e.fullName,
      gender: e.gender,
      relationshipStatus: e.relationshipStatus,
      lastActivityType: e.activityType,
      lastActivityMetadata: e.activityMetadata,
      lastActivityTs: Date.parse(e.activityTimestamp),
      lastUserSeq: e.userSeq ?? null,
      lastEventId: e.eventId,
      lastShardId: a.shardId,
      lastSeq: a.seq,
      lastSub: a.sub,
      eventCount: (prev?.eventCount ?? 0) + 1,
    });
  }
  return { states, outOfOrder };
}
