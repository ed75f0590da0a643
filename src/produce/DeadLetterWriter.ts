import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FileIoError } from '../errors.ts';

export interface DeadLetter {
  file: string;
  position: number;
  reason: string;
  raw: string;
}

/**
 * Appends dead letters as JSON Lines to `<dir>/dead-letters-YYYY-MM-DD.jsonl`, synchronously:
 * a dead letter is the only trace of an event, so it is on disk before the producer moves on.
 * A write that fails throws a FileIoError naming the file and `paths.deadLetters`.
 */
export class DeadLetterWriter {
  count = 0;
  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  fileFor(ms: number): string {
    return path.join(this.dir, `dead-letters-${new Date(ms).toISOString().slice(0, 10)}.jsonl`);
  }

  write(items: readonly DeadLetter[]): void {
    if (items.length === 0) return;
    const now = this.now();
    const at = new Date(now).toISOString();
    const file = this.fileFor(now);
    try {
      mkdirSync(this.dir, { recursive: true });
      appendFileSync(file, items.map((i) => JSON.stringify({ at, file: i.file, position: i.position, reason: i.reason, raw: i.raw })).join('\n') + '\n');
    } catch (err) {
      throw new FileIoError('paths.deadLetters', file, 'append dead letters to', err);
    }
    this.count += items.length;
  }
}
