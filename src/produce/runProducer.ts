import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { describeCause, FileIoError } from '../errors.ts';
import { serializeEvent } from '../events/eventSchema.ts';
import { FileFormatError, parseEventFile, type ParsedFile } from '../events/parseEventFile.ts';
import type { Logger } from '../log/createLogger.ts';
import { DeadLetterWriter } from './DeadLetterWriter.ts';
import { FileJob } from './FileJob.ts';
import type { KinesisProducer } from './KinesisProducer.ts';
import { moveFile, removeStaleMoveTemps } from '../util/moveFile.ts';
import type { ProducerCounters } from './ProducerCounters.ts';
import { readInputFile, stillSameFile, type FileIdentity } from './readInputFile.ts';
import { Wakeup } from './Wakeup.ts';
import { WatchDirScanner } from './WatchDirScanner.ts';

export interface ProducerPaths {
  watch: string;
  done: string;
  rejected: string;
  deadLetters: string;
}

export type ProducerInput =
  /** Watch paths.watch until the signal aborts. */
  | { kind: 'watch' }
  /** Send what is in paths.watch now (waiting for files still being written), then return. */
  | { kind: 'once' }
  /** One-off sends of these files ("-" = stdin); they are not moved. */
  | { kind: 'files'; files: string[]; readStdin: () => Promise<string> };

export interface RunProducerOptions {
  producer: KinesisProducer;
  counters: ProducerCounters;
  paths: ProducerPaths;
  input: ProducerInput;
  rescanMs: number;
  /** A file is read once it has not changed for this long (and no process has it open for writing). */
  settleMs: number;
  /** A settled file that ends mid-record is read as it is only after it stayed so this long. */
  incompleteWaitMs: number;
  /** After a file's events expired or it could not be moved, it is tried again this much later (watch mode). */
  retryFailedFileMs: number;
  shutdownTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  now?: () => number;
}

export interface StuckFile {
  file: string;
  reason: string;
}

export interface RunProducerResult {
  filesDone: number;
  filesRejected: number;
  /** Empty or whitespace-only files (moved to paths.done with a note). */
  filesEmpty: number;
  /** Files with events that were dead-lettered (TTL) or not sent before shutdown; left where they were. */
  filesIncomplete: string[];
  /** Files that could not be finished for a file-system reason (a move, a dead letter, a note); left where they were. */
  filesStuck: StuckFile[];
}

interface Read {
  text: string;
  identity?: FileIdentity;
}

/** Events handed to the producer between two turns of the event loop while a file is read. */
const YIELD_EVERY = 1000;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/**
 * The file side of `centos produce`: picks up input files once they have settled, reads them in
 * a stable order, feeds their events to the producer with backpressure, and moves a file to
 * paths.done only once every event in it is acknowledged, the file is still exactly what was read,
 * and the move itself succeeded. Nothing here throws for a bad file: it is rejected with its
 * reason, or left in place with the reason logged and reported.
 */
export async function runProducer(o: RunProducerOptions): Promise<RunProducerResult> {
  const now = o.now ?? Date.now;
  const { paths, producer, counters, log, signal } = o;
  const deadLetters = new DeadLetterWriter(paths.deadLetters, now);
  const result: RunProducerResult = { filesDone: 0, filesRejected: 0, filesEmpty: 0, filesIncomplete: [], filesStuck: [] };
  const active = new Map<string, FileJob>();
  /** Files set aside until a time: their events expired, or a file-system step failed. */
  const setAside = new Map<string, number>();
  /** Sent and acknowledged, but the move to paths.done failed: only the move is retried. */
  const awaitingMove = new Map<string, FileJob>();
  const stuck = new Map<string, StuckFile>();
  const finishing = new Map<FileJob, Promise<void>>();
  const wakeup = new Wakeup();
  const aborted = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  const scanner = new WatchDirScanner({ dir: paths.watch, quietMs: o.settleMs, incompleteWaitMs: o.incompleteWaitMs, now, log });

  const setStuck = (name: string, file: string, err: unknown): void => {
    const reason = err instanceof FileIoError ? err.message : describeCause(err);
    stuck.set(name, { file, reason });
    setAside.set(name, now() + o.retryFailedFileMs);
    log.error({ file, err: reason, retryInMs: o.input.kind === 'watch' ? o.retryFailedFileMs : undefined }, 'file left where it is');
  };

  const reject = async (file: string, name: string, reason: string, identity?: FileIdentity): Promise<void> => {
    try {
      // A writer that is still at it must not see its file vanish into paths.rejected.
      if (identity && !(await stillSameFile(file, identity))) {
        log.info({ file: name }, 'file changed after it was read; reading it again instead of rejecting it');
        return;
      }
      const note = path.join(paths.rejected, `${name}.error.txt`);
      await mkdir(paths.rejected, { recursive: true }).catch((err) => {
        throw new FileIoError('paths.rejected', paths.rejected, 'create the directory', err);
      });
      await writeFile(note, `${reason}\n`).catch((err) => {
        throw new FileIoError('paths.rejected', note, 'write', err);
      });
      await moveFile(file, paths.rejected, 'paths.rejected');
      stuck.delete(name);
      counters.filesRejected++;
      result.filesRejected++;
      log.warn({ file: name, reason, rejected: paths.rejected }, 'input file rejected');
    } catch (err) {
      setStuck(name, file, err);
    }
  };

  const read = async (file: string, name: string): Promise<Read | 'wait' | undefined> => {
    if (o.input.kind === 'files') return { text: await readFile(file, 'utf8') };
    try {
      const r = await readInputFile(file);
      return r === 'changing' ? 'wait' : r;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      await reject(file, name, `cannot read the file: ${describeCause(err)}`);
      return undefined;
    }
  };

  /** Reads, parses and hands one file's events to the producer; 'wait' when it is not ready after all. */
  const ingest = async (file: string, name: string, acceptIncomplete: boolean, given?: string): Promise<FileJob | 'wait' | undefined> => {
    const got = given !== undefined ? { text: given } : await read(file, name);
    if (got === undefined || got === 'wait') return got;
    const { identity } = got;
    // Settle what Kinesis answered meanwhile (and send on) before parsing holds the thread.
    await nextTurn();
    let parsed: ParsedFile;
    try {
      parsed = parseEventFile(got.text, name);
    } catch (err) {
      if (!(err instanceof FileFormatError)) throw err;
      if (o.input.kind === 'files') throw new FileFormatError(`${file}: ${err.message}`);
      if (err.endsMidRecord && !acceptIncomplete && identity) {
        scanner.holdIncomplete(name, identity);
        log.info({ file: name, waitMs: o.incompleteWaitMs }, 'file ends mid-record; waiting for its writer to finish it');
        return 'wait';
      }
      await reject(file, name, acceptIncomplete ? `${err.message}; unchanged for ${o.incompleteWaitMs} ms` : err.message, identity);
      return undefined;
    }
    if (parsed.cutTail) {
      if (!acceptIncomplete && identity && o.input.kind !== 'files') {
        scanner.holdIncomplete(name, identity);
        log.info({ file: name, waitMs: o.incompleteWaitMs }, 'last line is cut; waiting for its writer to finish it');
        return 'wait';
      }
      parsed.invalid.push(parsed.cutTail);
    }
    const job = new FileJob(name, file, deadLetters, identity);
    if (parsed.invalid.length > 0) {
      try {
        deadLetters.write(parsed.invalid.map((i) => ({ file, position: i.position, reason: i.reason, raw: i.raw })));
      } catch (err) {
        // Without its dead letters the file cannot count as done: send nothing, keep it.
        if (o.input.kind === 'files') throw err;
        setStuck(name, file, err);
        return undefined;
      }
      counters.eventsInvalid += parsed.invalid.length;
      log.warn({ file: name, invalid: parsed.invalid.length, deadLetters: deadLetters.fileFor(now()) }, 'invalid records dead-lettered; sending the rest');
    }
    if (parsed.format === 'empty') log.warn({ file: name }, 'empty file: no events in it');
    counters.filesRead++;
    log.debug({ file: name, events: parsed.records.length }, 'file read; sending its events');
    job.total = parsed.records.length;
    job.empty = parsed.format === 'empty';
    for (let i = 0; i < parsed.records.length; i++) {
      const r = parsed.records[i]!;
      if (!producer.hasRoom()) await Promise.race([producer.waitForRoom(), aborted]);
      // A big file is handed over in slices, so acknowledgements are settled and the next calls
      // sent while it is read, instead of Kinesis idling until the whole file is in the buffer.
      else if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
      if (signal.aborted) return job;
      producer.add(r.event.userid, Buffer.from(serializeEvent(r.event)), job, r.position);
    }
    job.seal();
    return job;
  };

  /** Every event of `job` is acknowledged: check the file is still what was read, then move it. */
  const finish = async (job: FileJob): Promise<void> => {
    if (job.identity && !(await stillSameFile(job.path, job.identity).catch(() => false))) {
      counters.filesReread++;
      scanner.forget(job.name);
      log.warn({ file: job.name }, 'file changed while its events were being sent; reading it again from the start (events already sent are duplicates that consumers drop)');
      return;
    }
    try {
      if (job.empty) {
        const note = path.join(paths.done, `${job.name}.note.txt`);
        await mkdir(paths.done, { recursive: true });
        await writeFile(note, `empty file: no events (moved here at ${new Date(now()).toISOString()})\n`).catch((err) => {
          throw new FileIoError('paths.done', note, 'write', err);
        });
      }
      const to = await moveFile(job.path, paths.done, 'paths.done');
      stuck.delete(job.name);
      counters.filesDone++;
      result.filesDone++;
      if (job.empty) result.filesEmpty++;
      log.info({ file: job.name, events: job.total, to }, 'file sent; moved to done');
    } catch (err) {
      awaitingMove.set(job.name, job);
      setStuck(job.name, job.path, err);
    }
  };

  const track = (job: FileJob, move: boolean): void => {
    active.set(job.name, job);
    const p = job.outcome.then(async (outcome) => {
      try {
        if (outcome === 'acknowledged' && !job.deadLetterError) {
          if (move) return await finish(job);
          counters.filesDone++;
          result.filesDone++;
          log.info({ file: job.name, events: job.total }, 'file sent');
        } else {
          counters.filesFailed++;
          result.filesIncomplete.push(job.path);
          setAside.set(job.name, now() + o.retryFailedFileMs);
          if (job.deadLetterError) setStuck(job.name, job.path, job.deadLetterError);
          log.error({ file: job.name, deadLettered: job.deadCount, deadLetters: paths.deadLetters }, 'file not fully acknowledged; events dead-lettered, file left in place');
        }
      } finally {
        active.delete(job.name);
        wakeup.poke();
      }
    });
    finishing.set(job, p);
    void p.finally(() => finishing.delete(job));
  };

  /** Files whose move failed earlier: move them now if they are still what was sent. */
  const retryMoves = async (): Promise<void> => {
    for (const [name, job] of awaitingMove) {
      if ((setAside.get(name) ?? 0) > now()) continue;
      awaitingMove.delete(name);
      setAside.delete(name);
      await finish(job);
    }
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
    result.filesStuck = [...stuck.values()];
  };

  if (o.input.kind === 'files') {
    for (const f of o.input.files) {
      if (signal.aborted) break;
      const job = f === '-' ? await ingest('stdin', 'stdin', true, await o.input.readStdin()) : await ingest(f, path.basename(f), true);
      if (job && job !== 'wait') track(job, false);
    }
    await settle();
    return result;
  }

  await mkdir(paths.watch, { recursive: true });
  for (const [dir, key] of [[paths.done, 'paths.done'], [paths.rejected, 'paths.rejected']] as const) {
    const removed = await removeStaleMoveTemps(dir);
    if (removed.length > 0) log.warn({ dir, key, removed }, 'removed copies left by an interrupted move');
  }
  let watcher: FSWatcher | undefined;
  if (o.input.kind === 'watch') {
    try {
      watcher = watch(paths.watch, () => wakeup.poke());
      watcher.on('error', (err) => log.warn({ err: describeCause(err) }, 'file-system notifications failed; relying on the rescan'));
    } catch (err) {
      log.warn({ err: describeCause(err) }, 'file-system notifications unavailable; relying on the rescan');
    }
  }
  let toldWaiting = 0;
  let flushing: Promise<void> | undefined;
  try {
    while (!signal.aborted) {
      const pokes = wakeup.count;
      await retryMoves();
      const scan = await scanner.scan((name) => active.has(name) || awaitingMove.has(name) || (setAside.get(name) ?? 0) > now());
      for (const f of scan.ready) {
        if (signal.aborted) break;
        setAside.delete(f.name);
        const job = await ingest(path.join(paths.watch, f.name), f.name, f.acceptIncomplete);
        if (job && job !== 'wait') track(job, true);
      }
      let waitMs = o.rescanMs;
      if (scan.nextCheckAt !== undefined) waitMs = Math.max(10, Math.min(waitMs, scan.nextCheckAt - now()));
      if (o.input.kind === 'once') {
        if (scan.waiting > 0 && now() - toldWaiting > 10_000) {
          toldWaiting = now();
          log.info({ files: scan.waiting }, 'waiting for files that are still being written');
        }
        // Nothing more to read for now: send what is buffered instead of lingering.
        if (active.size > 0 && scan.ready.length === 0) flushing ??= producer.flush().finally(() => (flushing = undefined));
        // A move that failed is not retried by --once: it is reported.
        if (active.size === 0 && scan.ready.length === 0 && scan.waiting === 0) break;
      }
      await wakeup.wait(waitMs, signal, pokes);
    }
  } finally {
    watcher?.close();
  }
  await settle();
  return result;
}
