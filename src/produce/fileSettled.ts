export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What the producer last saw of a file in paths.watch, and since when it looked like this. */
export interface Sighting extends FileStat {
  since: number;
}

export type SettleVerdict = { settled: true; sighting: Sighting } | { settled: false; sighting: Sighting; recheckAt: number };

/**
 * Has a file stopped changing? It has once its size, mtime and inode stayed the same for
 * `quietMs`: either its mtime is that old already (a file written earlier and renamed in is
 * read at once), or this process has seen it unchanged for that long (which also covers an
 * mtime in the future, from a writer whose clock runs ahead).
 */
export function fileSettled(prev: Sighting | undefined, st: FileStat, now: number, quietMs: number): SettleVerdict {
  const same = prev !== undefined && prev.size === st.size && prev.mtimeMs === st.mtimeMs && prev.ino === st.ino;
  const sighting: Sighting = same ? prev : { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, since: now };
  const quietFrom = Math.min(st.mtimeMs, sighting.since);
  if (now - quietFrom >= quietMs) return { settled: true, sighting };
  return { settled: false, sighting, recheckAt: quietFrom + quietMs };
}
