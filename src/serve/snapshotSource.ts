import { describeCause } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import { unreachableSnapshot, type DashboardSnapshot } from './buildSnapshot.ts';

export interface SnapshotSource {
  /** A snapshot no older than `maxAgeMs`; concurrent callers share one read. */
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
      if (last && deps.now() - last.at <= maxAgeMs) return Promise.resolve(last.snapshot);
      inflight ??= refresh().finally(() => (inflight = undefined));
      return inflight;
    },
  };
}
