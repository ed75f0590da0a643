import { describeCause } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import { unreachableSnapshot, type DashboardSnapshot } from './buildSnapshot.ts';

/** How many refresh intervals old a snapshot may be and still be served while a new one is read. */
export const STALE_FACTOR = 3;

export interface SnapshotSource {
  /**
   * A snapshot no older than `maxAgeMs` — or, while a fresher one is being read, one no older
   * than STALE_FACTOR × `maxAgeMs`. Concurrent callers share one read.
   */
  current(maxAgeMs: number): Promise<DashboardSnapshot>;
}

/**
 * Caches the dashboard read so that many pages, API calls and scrapes cost one set of queries
 * per interval. A failed read yields the last good data flagged "database unreachable".
 */
export function snapshotSource(deps: { read: (now: number) => Promise<DashboardSnapshot>; now: () => number; log: Logger }): SnapshotSource {
  let last: { at: number; snapshot: DashboardSnapshot } | undefined;
  let lastGood: DashboardSnapshot | undefined;
  let inflight: Promise<DashboardSnapshot> | undefined;
  let failing = false;
  const refresh = async (): Promise<DashboardSnapshot> => {
    const now = deps.now();
    let snapshot: DashboardSnapshot;
    try {
      snapshot = await deps.read(now);
      lastGood = snapshot;
      if (failing) deps.log.info('database readable again');
      failing = false;
    } catch (err) {
      const error = err instanceof Error ? err.message : describeCause(err);
      if (!failing) deps.log.warn({ err: error }, 'cannot read the dashboard database');
      failing = true;
      snapshot = unreachableSnapshot(now, error, lastGood);
    }
    last = { at: now, snapshot };
    return snapshot;
  };
  return {
    current(maxAgeMs) {
      const age = last ? deps.now() - last.at : Infinity;
      if (last && age <= maxAgeMs) return Promise.resolve(last.snapshot);
      inflight ??= refresh().finally(() => (inflight = undefined));
      // Stale-while-revalidate: a request never waits on the database while the previous
      // snapshot is recent enough to show; the refresh runs behind it.
      if (last && age <= maxAgeMs * STALE_FACTOR) return Promise.resolve(last.snapshot);
      return inflight;
    },
  };
}
