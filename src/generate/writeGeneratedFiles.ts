import { copyFile, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { serializeEvent } from '../events/eventSchema.ts';
import { EventGenerator, type GeneratorOptions } from './EventGenerator.ts';

export interface GenerateOptions extends GeneratorOptions {
  files: number;
  rows: number;
  intervalMs: number;
  generatedDir: string;
  watchDir: string;
  signal?: AbortSignal;
  onFile?: (progress: { file: string; index: number; files: number; events: number }) => void;
}

export interface GenerateResult {
  files: string[];
  events: number;
}

/** `events-20240101T000000Z-1a2b3c4d-000001.json`: sorts in generation order. */
export function generatedFileName(startMs: number, runId: string, index: number): string {
  const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `events-${stamp}-${runId}-${String(index).padStart(6, '0')}.json`;
}

/** Moves a finished file into the watch directory in one step, so a watcher never sees half a file. */
async function publish(from: string, watchDir: string, name: string): Promise<string> {
  const to = path.join(watchDir, name);
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // Different file systems: copy under a hidden name in the watch dir, then rename there.
    const partial = path.join(watchDir, `.${name}.partial`);
    await copyFile(from, partial);
    await rename(partial, to);
    await unlink(from);
  }
  return to;
}

/** Writes `files` JSON files of `rows` events each, each renamed atomically into the watch directory. */
export async function writeGeneratedFiles(o: GenerateOptions): Promise<GenerateResult> {
  await mkdir(o.generatedDir, { recursive: true });
  await mkdir(o.watchDir, { recursive: true });
  const gen = new EventGenerator(o);
  const runId = gen.uuid().slice(0, 8);
  const written: string[] = [];
  let events = 0;
  for (let i = 1; i <= o.files; i++) {
    if (o.signal?.aborted) break;
    const lines: string[] = new Array(o.rows);
    for (let r = 0; r < o.rows; r++) lines[r] = serializeEvent(gen.next());
    const name = generatedFileName(o.startMs, runId, i);
    const staged = path.join(o.generatedDir, name);
    await writeFile(staged, '[' + lines.join('\n,') + ']\n');
    written.push(await publish(staged, o.watchDir, name));
    events += o.rows;
    o.onFile?.({ file: written[written.length - 1]!, index: i, files: o.files, events });
    if (o.intervalMs > 0 && i < o.files) {
      await delay(o.intervalMs, undefined, o.signal ? { signal: o.signal } : undefined).catch(() => undefined);
    }
  }
  return { files: written, events };
}
