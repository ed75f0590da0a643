import { deterministicEventId } from './deterministicEventId.ts';
import { eventFieldOrder, eventSchema, type UserEvent } from './eventSchema.ts';
import { wellFormedEvent } from './wellFormedEvent.ts';

export type NormalizeResult = { ok: true; event: UserEvent } | { ok: false; reason: string };

/** The event's fields, plus the original project's capitalised `ActivityMetadata`. */
const KNOWN_FIELDS: ReadonlySet<string> = new Set<string>([...eventFieldOrder, 'ActivityMetadata']);

/**
 * The policy for fields centos does not know: the record is dead-lettered with their names, never
 * sent with them dropped in silence (a record that carries more than centos stores would otherwise
 * lose data on its way to the archive).
 */
function unknownFields(r: Record<string, unknown>): string | undefined {
  let unknown: string[] | undefined;
  for (const k in r) if (!KNOWN_FIELDS.has(k)) (unknown ??= []).push(k);
  if (!unknown) return undefined;
  const names = unknown.slice(0, 10).map((k) => JSON.stringify(k.length > 64 ? k.slice(0, 64) + '…' : k));
  return `unknown field${unknown.length > 1 ? 's' : ''} ${names.join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''}: centos sends only the event fields (see README, Input files)`;
}

/**
 * Validates one raw record from an input file. Accepts the original project's shape
 * (`ActivityMetadata` capitalised, no `eventId`) and fills a deterministic id.
 */
export function normalizeEvent(raw: unknown, file: string, position: number): NormalizeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: `expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}` };
  }
  const r = raw as Record<string, unknown>;
  const unknown = unknownFields(r);
  if (unknown) return { ok: false, reason: unknown };
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
