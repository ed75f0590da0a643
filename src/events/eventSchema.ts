import { z } from 'zod';

export const genders = ['M', 'F', 'O'] as const;
export const relationshipStatuses = ['single', 'in a relationship', 'married', 'engaged', 'divorced', 'have cats'] as const;
export const activityTypes = ['CommentAdded', 'CommentRemoved', 'TopicViewed', 'ProfileUpdated', 'CommentLiked', 'CommentDisliked', 'ProfileCreated'] as const;

const LEGACY_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** ISO-8601 with zone, or the original `YYYY-MM-DD HH:MM:SS` read as UTC; always returned as `toISOString()`. */
const timestamp = z.string().transform((value, ctx) => {
  const legacy = LEGACY_TIMESTAMP.exec(value);
  const iso = legacy ? `${legacy[1]}T${legacy[2]}Z` : value;
  const ms = ISO_TIMESTAMP.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 timestamp with zone or YYYY-MM-DD HH:MM:SS (UTC)' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

/** The one event schema every role validates with. */
export const eventSchema = z.object({
  eventId: z.string().min(1).max(128),
  // The partition key: Kinesis allows 1-256 Unicode characters.
  userid: z.string().min(1).max(256),
  fullName: z.string().max(1024),
  gender: z.enum(genders),
  relationshipStatus: z.enum(relationshipStatuses),
  activityType: z.enum(activityTypes),
  activityMetadata: z.string().max(8192),
  activityTimestamp: timestamp,
  userSeq: z.number().int().min(0).optional(),
});

export type UserEvent = z.infer<typeof eventSchema>;

/** The order every serialised event uses, so the same event always has the same bytes. */
export const eventFieldOrder = ['eventId', 'userid', 'fullName', 'gender', 'relationshipStatus', 'activityType', 'activityMetadata', 'activityTimestamp', 'userSeq'] as const;

export function serializeEvent(e: UserEvent): string {
  let s = `{"eventId":${JSON.stringify(e.eventId)},"userid":${JSON.stringify(e.userid)},"fullName":${JSON.stringify(e.fullName)},"gender":${JSON.stringify(e.gender)},"relationshipStatus":${JSON.stringify(e.relationshipStatus)},"activityType":${JSON.stringify(e.activityType)},"activityMetadata":${JSON.stringify(e.activityMetadata)},"activityTimestamp":${JSON.stringify(e.activityTimestamp)}`;
  if (e.userSeq !== undefined) s += `,"userSeq":${e.userSeq}`;
  return s + '}';
}
