import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import { eventSchema } from '../events/eventSchema.ts';

/** One archived record, as stored (one JSON line). */
export interface ArchiveLine {
  shard: string;
  seq: string;
  sub: number;
  partitionKey: string;
  /** ApproximateArrivalTimestamp, ISO-8601. */
  arrival: string;
  /** The event as it was in the record, or null when the record is not a valid event. */
  event: Record<string, unknown> | null;
  /** Why the record is not a valid event (then `raw` holds its bytes). */
  invalid?: string;
  /** The record's bytes, base64, for records that are not valid events. */
  raw?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asEvent(data: Buffer): { json: string } | { invalid: string } {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { invalid: 'not UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { invalid: `not JSON: ${(err as Error).message}` };
  }
  const r = eventSchema.safeParse(parsed);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { invalid: `not an event: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  // The record's own JSON, unchanged unless it spans lines (which JSON Lines cannot hold).
  return { json: /[\n\r]/.test(text) ? JSON.stringify(parsed) : text };
}

/** The last value and its JSON: consecutive records share their shard and (within an aggregate) their arrival time. */
function lastOne<T>(toJson: (v: T) => string): (v: T) => string {
  let last: T | undefined;
  let json = '';
  return (v) => {
    if (v !== last) {
      json = toJson(v);
      last = v;
    }
    return json;
  };
}
const shardJson = lastOne<string>((s) => JSON.stringify(s));
const arrivalJson = lastOne<number>((ms) => JSON.stringify(new Date(ms).toISOString()));

/**
 * The JSON line for a record, without the newline. Fields in a fixed order so the same record
 * always gives the same bytes. Every record is kept: one that is not a valid event is stored
 * raw (base64) with the reason.
 */
export function encodeArchiveLine(r: ConsumedRecord): { line: string; invalid: boolean } {
  const head = `{"shard":${shardJson(r.shardId)},"seq":${JSON.stringify(r.seq)},"sub":${r.sub},"partitionKey":${JSON.stringify(r.partitionKey)},"arrival":${arrivalJson(r.arrivalMs)}`;
  const e = asEvent(r.data);
  if ('json' in e) return { line: `${head},"event":${e.json}}`, invalid: false };
  return { line: `${head},"event":null,"invalid":${JSON.stringify(e.invalid)},"raw":${JSON.stringify(r.data.toString('base64'))}}`, invalid: true };
}

export function decodeArchiveLine(line: string): ArchiveLine {
  return JSON.parse(line) as ArchiveLine;
}
