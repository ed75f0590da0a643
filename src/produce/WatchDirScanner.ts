import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/createLogger.ts';
import { fileSettled, type FileStat, type Sighting } from './fileSettled.ts';
import { openWriters } from './openWriters.ts';
import { isIgnoredInputName, orderInputFiles } from './orderInputFiles.ts';

export interface ReadyFile {
  name: string;
  /** It ends mid-record and stayed so past incompleteWaitMs: read it as it is. */
  acceptIncomplete: boolean;
}

export interface WatchScan {
  /** Settled files to read now, in the producer's order. */
  ready: ReadyFile[];
  /** Files present but not settled yet (still changing, open for writing, or ending mid-record). */
  waiting: number;
  /** When the earliest waiting file may have settled. */
  nextCheckAt?: number;
}

export interface WatchDirScannerOptions {
  dir: string;
  quietMs: number;
  incompleteWaitMs: number;
  now: () => number;
  log: Logger;
  /** Which writers hold files open; replaceable for platforms without /proc. */
  openWriters?: (files: readonly string[]) => Promise<Map<string, number[]>>;
}

/**
 * Decides which files in paths.watch are ready to read: a file is read only once it has settled
 * (unchanged for the quiet period) and no process holds it open for writing; names that mark a
 * file in progress are never read. A file found to end mid-record is held until it changes, or
 * until it has stayed so for incompleteWaitMs.
 */
export class WatchDirScanner {
  private readonly sightings = new Map<string, Sighting>();
  private readonly incomplete = new Map<string, Sighting>();
  private readonly toldWriters = new Set<string>();
  private realDir: string | undefined;

  constructor(private readonly o: WatchDirScannerOptions) {}

  /** Lists the directory; `busy` names (being sent, or set aside) are left alone. */
  async scan(busy: (name: string) => boolean): Promise<WatchScan> {
    const now = this.o.now();
    const names = await readdir(this.o.dir);
    const present = new Set(names);
    for (const n of this.sightings.keys()) if (!present.has(n)) this.forget(n);
    const candidates: Array<{ name: string; mtimeMs: number; acceptIncomplete: boolean }> = [];
    let waiting = 0;
    let nextCheckAt: number | undefined;
    const later = (at: number) => {
      waiting++;
      nextCheckAt = nextCheckAt === undefined ? at : Math.min(nextCheckAt, at);
    };
    for (const name of names) {
      if (isIgnoredInputName(name) || busy(name)) continue;
      let st;
      try {
        st = await stat(path.join(this.o.dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (!st.isFile()) continue;
      const verdict = fileSettled(this.sightings.get(name), st, now, this.o.quietMs);
      this.sightings.set(name, verdict.sighting);
      if (!verdict.settled) {
        later(verdict.recheckAt);
        continue;
      }
      const held = this.incomplete.get(name);
      let acceptIncomplete = false;
      if (held) {
        if (!sameStat(held, st)) {
          this.incomplete.delete(name); // the writer came back: read it again once it settles
        } else {
          const until = Math.min(st.mtimeMs, held.since) + this.o.incompleteWaitMs;
          if (now < until) {
            later(until);
            continue;
          }
          acceptIncomplete = true;
        }
      }
      candidates.push({ name, mtimeMs: st.mtimeMs, acceptIncomplete });
    }
    const ready: ReadyFile[] = [];
    if (candidates.length > 0) {
      this.realDir ??= await realpath(this.o.dir);
      const writers = await (this.o.openWriters ?? openWriters)(candidates.map((c) => path.join(this.realDir!, c.name)));
      for (const c of orderInputFiles(candidates)) {
        const pids = writers.get(path.join(this.realDir, c.name));
        if (pids) {
          if (!this.toldWriters.has(c.name)) {
            this.toldWriters.add(c.name);
            this.o.log.info({ file: c.name, pids }, 'file is open for writing; waiting for its writer to close it');
          }
          later(now + this.o.quietMs);
          continue;
        }
        ready.push({ name: c.name, acceptIncomplete: c.acceptIncomplete });
      }
    }
    return { ready, waiting, ...(nextCheckAt !== undefined ? { nextCheckAt } : {}) };
  }

  /** The file was read and ends mid-record: hold it until it changes or incompleteWaitMs passes. */
  holdIncomplete(name: string, st: FileStat): void {
    if (!this.incomplete.has(name)) this.incomplete.set(name, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, since: this.o.now() });
  }

  forget(name: string): void {
    this.sightings.delete(name);
    this.incomplete.delete(name);
    this.toldWriters.delete(name);
  }
}

function sameStat(a: FileStat, b: FileStat): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}
