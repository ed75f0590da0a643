import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { UserEvent } from '../events/eventSchema.ts';
import { parseEventFile, FileFormatError } from '../events/parseEventFile.ts';

export interface InputEvents {
  files: number;
  records: number;
  invalid: number;
  unreadable: string[];
  /** Distinct events by eventId, first occurrence wins, in input order. */
  events: Map<string, UserEvent>;
}

/** Reads every event file in `dir` in the producer's order (name, then mtime). */
export async function readInputEvents(dir: string): Promise<InputEvents> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && !n.endsWith('.error.txt') && !n.endsWith('.note.txt'));
  const withTimes = await Promise.all(names.map(async (n) => ({ n, mtime: (await stat(path.join(dir, n))).mtimeMs })));
  withTimes.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : a.mtime - b.mtime));
  const out: InputEvents = { files: 0, records: 0, invalid: 0, unreadable: [], events: new Map() };
  for (const { n } of withTimes) {
    const file = path.join(dir, n);
    if (!(await stat(file)).isFile()) continue;
    let parsed;
    try {
      parsed = parseEventFile(await readFile(file, 'utf8'), file);
    } catch (err) {
      if (err instanceof FileFormatError) {
        out.unreadable.push(n);
        continue;
      }
      throw err;
    }
    out.files++;
    const invalid = parsed.invalid.length + (parsed.cutTail ? 1 : 0);
    out.records += parsed.records.length + invalid;
    out.invalid += invalid;
    for (const { event } of parsed.records) if (!out.events.has(event.eventId)) out.events.set(event.eventId, event);
  }
  return out;
}
