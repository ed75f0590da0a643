import { deterministicEventId } from './deterministicEventId.ts';
import { eventSchema, type UserEvent } from './eventSchema.ts';
import { wellFormedEvent } from './wellFormedEvent.ts';

export type NormalizeResult = { ok: true; event: UserEvent } | { ok: false; reason: string };

/**
 * Validates one raw record from an input file. Accepts the original project's shape
 * (`ActivityMetadata` capitalised, no `eventId`) and fills a deterministic id.
 */
export function normalizeEvent(raw: unknown, file: string, position: number): NormalizeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: `expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}` };
  }
  const r = raw as Record<string, unknown>;
  let candidate = r;
  if (r.eventId === undefined || (r.activityMetadata === undefined && r.ActivityMetadata !== undefined)) {
    candidate = { ...r };
    if (candidate.activityMetadata === undefined && r.ActivityMetadata !== undefined) candidate.activityMetadata = r.ActivityMetadata;
    if (candidate.eventId === undefined) candidate.eventId = deterministicEventId(file, position);
  }
  const event = wellFormedEvent(candidate);
  if (event) return { ok: true, event };
  const parsed = eventSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, event: parsed.data };
  const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
  return { ok: false, reason };
}
