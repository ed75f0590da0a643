import type { UserEvent } from '../../src/events/eventSchema.ts';

/** A valid user event for tests; every field can be overridden. */
export function userEvent(o: Partial<UserEvent> = {}): UserEvent {
  return {
    eventId: 'e',
    userid: 'u',
    fullName: 'N',
    gender: 'M',
    relationshipStatus: 'single',
    activityType: 'TopicViewed',
    activityMetadata: 'm',
    activityTimestamp: '2024-01-01T00:00:00.000Z',
    ...o,
  };
}
