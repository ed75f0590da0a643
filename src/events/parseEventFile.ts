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
  format: 'json-array' | 'json-lines';
  records: ParsedRecord[];
  invalid: InvalidRecord[];
}

/** The whole file cannot be read as events (it goes to paths.rejected). */
export class FileFormatError extends CentosError {}

const RAW_LIMIT = 4096;

function clip(text: string): string {
  return text.length > RAW_LIMIT ? text.slice(0, RAW_LIMIT) + '…' : text;
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
  const take = (raw: unknown, position: number, rawText: () => string): void => {
    const r = normalizeEvent(raw, file, position);
    if (r.ok) records.push({ position, event: r.event });
    else invalid.push({ position, reason: r.reason, raw: clip(rawText()) });
  };

  if (trimmed.startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(body);
    } catch (err) {
      throw new FileFormatError(`not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(items)) throw new FileFormatError('expected a JSON array of events');
    items.forEach((item, i) => take(item, i, () => JSON.stringify(item) ?? String(item)));
    return { format: 'json-array', records, invalid };
  }
  if (trimmed !== '' && !trimmed.startsWith('{')) {
    throw new FileFormatError('expected a JSON array of events or JSON Lines (one object per line)');
  }
  const lines = body.split('\n');
  let position = 0;
  for (const line of lines) {
    const l = line.trim();
    if (l === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch (err) {
      invalid.push({ position, reason: `not valid JSON: ${(err as Error).message}`, raw: clip(l) });
      position++;
      continue;
    }
    take(raw, position, () => l);
    position++;
  }
  return { format: 'json-lines', records, invalid };
}
