import { eventSchema, type UserEvent } from '../events/eventSchema.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
export const PAYLOAD_LIMIT = 4096;

export type DecodedRecord = { ok: true; event: UserEvent } | { ok: false; reason: string; payload: string; encoding: 'utf8' | 'base64' };

/** Cuts a string to at most `limit` UTF-16 units without splitting a surrogate pair. */
export function clipText(s: string, limit = PAYLOAD_LIMIT): string {
  if (s.length <= limit) return s;
  let end = limit;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + '…';
}

/** A Kinesis record's data as an event, or the reason it is a dead letter (with its payload, clipped). */
export function decodeEventRecord(data: Buffer): DecodedRecord {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8', payload: data.subarray(0, (PAYLOAD_LIMIT * 3) / 4).toString('base64'), encoding: 'base64' };
  }
  const fail = (reason: string): DecodedRecord => ({ ok: false, reason, payload: clipText(text), encoding: 'utf8' });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON: ${(err as Error).message}`);
  }
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success) return fail(clipText(parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; '), 1000));
  // Lone surrogates cannot be stored as UTF-8 text; treat them as malformed rather than corrupt them.
  for (const v of Object.values(parsed.data)) if (typeof v === 'string' && !v.isWellFormed()) return fail('string field holds a lone surrogate');
  return { ok: true, event: parsed.data };
}
