import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FileIoError } from '../errors.ts';
import { serializeEvent } from '../events/eventSchema.ts';
import { moveFile } from '../util/moveFile.ts';
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

/** Writes `files` JSON files of `rows` events each, each renamed atomically into the watch directory. */
export async function writeGeneratedFiles(o: GenerateOptions): Promise<GenerateResult> {
  await mkdir(o.generatedDir, { recursive: true }).catch((err) => {
    throw new FileIoError('paths.generated', o.generatedDir, 'create the directory', err);
  });
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
    await writeFile(staged, '[' + lines.join('\n,') + ']\n').catch((err) => {
      throw new FileIoError('paths.generated', staged, 'write', err);
    });
    // One rename, so a watcher never sees half a file (across file systems: via a hidden copy).
    written.push(await moveFile(staged, o.watchDir, 'paths.watch'));
    events += o.rows;
    o.onFile?.({ file: written[written.length - 1]!, index: i, files: o.files, events });
    if (o.intervalMs > 0 && i < o.files) {
      await delay(o.intervalMs, undefined, o.signal ? { signal: o.signal } : undefined).catch(() => undefined);
    }
  }
  return { files: written, events };
}
