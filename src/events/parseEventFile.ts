import { CentosError } from '../errors.ts';
import type { UserEvent } from './eventSchema.ts';
import { normalizeEvent } from './normalizeEvent.ts';

export interface ParsedRecord {
  position: number;
  event: UserEvent;
}

export interface InvalidRecord {
  position: number;
  reason: string;
  raw: string;
}

export interface ParsedFile {
  format: 'json-array' | 'json-lines' | 'empty';
  records: ParsedRecord[];
  invalid: InvalidRecord[];
  /**
   * JSON Lines whose last line has no newline and is not valid JSON: the file ends mid-record,
   * most likely because its writer has not finished. Not counted in `invalid`: the caller decides
   * whether to wait for the rest or to dead-letter it.
   */
  cutTail?: InvalidRecord;
}

/** The whole file cannot be read as events (it goes to paths.rejected). */
export class FileFormatError extends CentosError {
  constructor(
    message: string,
    /** The text ends before the JSON does: a writer may still be writing it. */
    readonly endsMidRecord = false,
  ) {
    super(message);
  }
}

/** True when a JSON.parse error points at the end of `text`, i.e. the text was cut short. */
function errorAtEnd(err: Error, text: string): boolean {
  if (/end of JSON input/i.test(err.message)) return true;
  const at = /at position (\d+)/.exec(err.message);
  return at !== null && Number(at[1]) >= text.trimEnd().length;
}

/**
 * Parses an input file: a JSON array of events (the generator's and the original format) or
 * JSON Lines. Invalid records are returned with their reason; they never fail the file.
 */
export function parseEventFile(text: string, file: string): ParsedFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const trimmed = body.trimStart();
  const records: ParsedRecord[] = [];
  const invalid: InvalidRecord[] = [];
  /** `line`: the record's text in JSON Lines (an array item's text is made again only if it is invalid). */
  const take = (raw: unknown, position: number, line?: string): void => {
    const r = normalizeEvent(raw, file, position);
    if (r.ok) records.push({ position, event: r.event });
    else invalid.push({ position, reason: r.reason, raw: line ?? JSON.stringify(raw) ?? String(raw) });
  };

  if (trimmed.startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(body);
    } catch (err) {
      const endsEarly = errorAtEnd(err as Error, body);
      throw new FileFormatError(`not valid JSON: ${(err as Error).message}${endsEarly ? ' (the file ends before the array does)' : ''}`, endsEarly);
    }
    if (!Array.isArray(items)) throw new FileFormatError('expected a JSON array of events');
    for (let i = 0; i < items.length; i++) take(items[i], i);
    return { format: 'json-array', records, invalid };
  }
  if (trimmed === '') return { format: 'empty', records, invalid };
  if (!trimmed.startsWith('{')) {
    throw new FileFormatError('expected a JSON array of events or JSON Lines (one object per line)');
  }
  const lines = body.split('\n');
  let position = 0;
  let cutTail: InvalidRecord | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch (err) {
      const bad = { position, reason: `not valid JSON: ${(err as Error).message}`, raw: l };
      // The last line without its newline: the writer may be in the middle of it.
      if (i === lines.length - 1) cutTail = { ...bad, reason: `the file ends mid-record (last line has no newline and is cut: ${(err as Error).message})` };
      else invalid.push(bad);
      position++;
      continue;
    }
    take(raw, position, l);
    position++;
  }
  return { format: 'json-lines', records, invalid, ...(cutTail ? { cutTail } : {}) };
}
