import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describeCause } from '../errors.ts';
import { serializeEvent } from '../events/eventSchema.ts';
import { FileFormatError, parseEventFile } from '../events/parseEventFile.ts';
import type { Logger } from '../log/createLogger.ts';
import { DeadLetterWriter } from './DeadLetterWriter.ts';
import { FileJob } from './FileJob.ts';
import type { KinesisProducer } from './KinesisProducer.ts';
import { orderInputFiles, type InputFile } from './orderInputFiles.ts';
import type { ProducerCounters } from './ProducerCounters.ts';

export interface ProducerPaths {
  watch: string;
  done: string;
  rejected: string;
  deadLetters: string;
}

export type ProducerInput =
  /** Watch paths.watch until the signal aborts. */
  | { kind: 'watch' }
  /** Send what is in paths.watch now, then return. */
  | { kind: 'once' }
  /** One-off sends of these files ("-" = stdin); they are not moved. */
  | { kind: 'files'; files: string[]; readStdin: () => Promise<string> };

export interface RunProducerOptions {
  producer: KinesisProducer;
  counters: ProducerCounters;
  paths: ProducerPaths;
  input: ProducerInput;
  rescanMs: number;
  /** After a file's events expired, it is tried again this much later (watch mode). */
  retryFailedFileMs: number;
  shutdownTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  now?: () => number;
}

export interface RunProducerResult {
  filesDone: number;
  filesRejected: number;
  /** Files with events that were dead-lettered (TTL) or not sent before shutdown; left where they were. */
  filesIncomplete: string[];
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/**
 * The file side of `centos produce`: reads input files in a stable order, feeds their events to
 * the producer with backpressure, and moves a file to paths.done only once every event in it is
 * acknowledged. Nothing here throws for a bad file: it is rejected with its reason.
 */
export async function runProducer(o: RunProducerOptions): Promise<RunProducerResult> {
  const now = o.now ?? Date.now;
  const { paths, producer, counters, log, signal } = o;
  const deadLetters = new DeadLetterWriter(paths.deadLetters, now);
  const result: RunProducerResult = { filesDone: 0, filesRejected: 0, filesIncomplete: [] };
  const active = new Map<string, FileJob>();
  const givenUpUntil = new Map<string, number>();
  const finishing = new Map<FileJob, Promise<void>>();
  const aborted = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

  const reject = async (file: string, reason: string): Promise<void> => {
    const name = path.basename(file);
    try {
      await mkdir(paths.rejected, { recursive: true });
      await writeFile(path.join(paths.rejected, `${name}.error.txt`), `${reason}\n`);
      await rename(file, path.join(paths.rejected, name));
      counters.filesRejected++;
      result.filesRejected++;
      log.warn({ file: name, reason, rejected: paths.rejected }, 'input file rejected');
    } catch (err) {
      log.error({ file, reason, err: describeCause(err) }, 'cannot move a rejected file; leaving it in place');
      givenUpUntil.set(name, now() + o.retryFailedFileMs);
    }
  };

  /** Reads, parses and hands one file's events to the producer; undefined when the file is gone or rejected. */
  const ingest = async (file: string, name: string, text?: string): Promise<FileJob | undefined> => {
    if (text === undefined) {
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return undefined;
        if (o.input.kind === 'files') throw err;
        await reject(file, `cannot read the file: ${describeCause(err)}`);
        return undefined;
      }
    }
    let parsed;
    try {
      parsed = parseEventFile(text, name);
    } catch (err) {
      if (!(err instanceof FileFormatError)) throw err;
      if (o.input.kind === 'files') throw new FileFormatError(`${file}: ${err.message}`);
      await reject(file, err.message);
      return undefined;
    }
    text = undefined;
    const job = new FileJob(name, file, deadLetters);
    if (parsed.invalid.length > 0) {
      deadLetters.write(parsed.invalid.map((i) => ({ file, position: i.position, reason: i.reason, raw: i.raw })));
      counters.eventsInvalid += parsed.invalid.length;
      log.warn({ file: name, invalid: parsed.invalid.length, deadLetters: deadLetters.fileFor(now()) }, 'invalid records dead-lettered; sending the rest');
    }
    counters.filesRead++;
    job.total = parsed.records.length;
    for (const r of parsed.records) {
      if (!producer.hasRoom()) await Promise.race([producer.waitForRoom(), aborted]);
      if (signal.aborted) return job;
      producer.add(r.event.userid, Buffer.from(serializeEvent(r.event)), job, r.position);
    }
    job.seal();
    return job;
  };

  const track = (job: FileJob, move: boolean): void => {
    active.set(job.name, job);
    const p = job.outcome.then(async (outcome) => {
      if (outcome === 'acknowledged') {
        if (move) {
          try {
            await mkdir(paths.done, { recursive: true });
            await rename(job.path, path.join(paths.done, job.name));
          } catch (err) {
            // Every event is in Kinesis; a file we cannot move is sent again later (duplicates, never loss).
            log.error({ file: job.name, err: describeCause(err) }, 'cannot move a sent file to paths.done');
            givenUpUntil.set(job.name, now() + o.retryFailedFileMs);
          }
        }
        counters.filesDone++;
        result.filesDone++;
        log.info({ file: job.name, events: job.total }, move ? 'file sent; moved to done' : 'file sent');
      } else {
        counters.filesFailed++;
        result.filesIncomplete.push(job.path);
        givenUpUntil.set(job.name, now() + o.retryFailedFileMs);
        log.error({ file: job.name, deadLettered: job.deadCount, deadLetters: paths.deadLetters }, 'file not fully acknowledged; events dead-lettered, file left in place');
      }
      active.delete(job.name);
    });
    finishing.set(job, p);
    void p.finally(() => finishing.delete(job));
  };

  const settle = async (): Promise<void> => {
    if (!signal.aborted) {
      await producer.flush();
    } else {
      const timeout = delay(o.shutdownTimeoutMs, undefined, { ref: false }).then(() => 'timeout' as const);
      if ((await Promise.race([producer.flush().then(() => 'flushed' as const), timeout])) === 'timeout') {
        log.warn({ unacknowledged: counters.bufferedEvents }, 'shutdown timeout: leaving unfinished files in place');
      }
    }
    // Files cut short by the shutdown never complete; they stay where they are.
    await Promise.all([...finishing].filter(([job]) => job.complete).map(([, p]) => p));
    for (const job of active.values()) if (!job.complete) result.filesIncomplete.push(job.path);
  };

  if (o.input.kind === 'files') {
    for (const f of o.input.files) {
      if (signal.aborted) break;
      const job = f === '-' ? await ingest('stdin', 'stdin', await o.input.readStdin()) : await ingest(f, path.basename(f));
      if (job) track(job, false);
    }
    await settle();
    return result;
  }

  await mkdir(paths.watch, { recursive: true });
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  if (o.input.kind === 'watch') {
    try {
      watcher = watch(paths.watch, () => wake?.());
      watcher.on('error', (err) => log.warn({ err: describeCause(err) }, 'file-system notifications failed; relying on the rescan'));
    } catch (err) {
      log.warn({ err: describeCause(err) }, 'file-system notifications unavailable; relying on the rescan');
    }
  }
  try {
    while (!signal.aborted) {
      const names = await readdir(paths.watch);
      const listed: InputFile[] = [];
      for (const name of names) {
        if (active.has(name) || (givenUpUntil.get(name) ?? 0) > now()) continue;
        try {
          const st = await stat(path.join(paths.watch, name));
          if (st.isFile()) listed.push({ name, mtimeMs: st.mtimeMs });
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        }
      }
      for (const f of orderInputFiles(listed)) {
        if (signal.aborted) break;
        givenUpUntil.delete(f.name);
        const job = await ingest(path.join(paths.watch, f.name), f.name);
        if (job) track(job, true);
      }
      if (o.input.kind === 'once') break;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, o.rescanMs);
        wake = done;
        if (signal.aborted) done();
        else signal.addEventListener('abort', done);
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
  }
  await settle();
  return result;
}
