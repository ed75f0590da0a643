import type { StatusSnapshot } from '../coordinator/readStatus.ts';
import type { Rollups, Summary } from '../dashboard/dashboardRollups.ts';

/** Everything the page shows, as one JSON document (also what each live update carries). */
export interface DashboardSnapshot extends Rollups {
  /** Server time the snapshot was read. */
  at: string;
  db: { ok: true } | { ok: false; error: string };
  /** When the scheduler last computed the roll-ups (ms since epoch), null before its first run. */
  computedAt: number | null;
  /** Whether anything has been consumed or rolled up yet. */
  hasData: boolean;
  pipeline: StatusSnapshot;
}

export interface SnapshotInput {
  now: number;
  rollups: Partial<Rollups>;
  computedAt: number | undefined;
  /** The live `counters` table (the consumer updates it in every batch's transaction). */
  counters: Record<string, number>;
  pipeline: StatusSnapshot;
}

const emptySummary: Summary = { events: 0, users: 0, duplicatesDropped: 0, outOfOrder: 0, deadLetters: 0, eventsPerSecond: 0 };

/**
 * Combines the scheduler's roll-ups with the live counters: the totals come from the counters
 * (current to the last committed batch), the rest from the latest roll-up.
 */
export function buildSnapshot(i: SnapshotInput): DashboardSnapshot {
  const r = i.rollups;
  const c = i.counters;
  const summary: Summary = {
    ...emptySummary,
    ...r.summary,
    ...(c.events_applied !== undefined ? { events: c.events_applied } : {}),
    ...(c.duplicates_dropped !== undefined ? { duplicatesDropped: c.duplicates_dropped } : {}),
    ...(c.out_of_order !== undefined ? { outOfOrder: c.out_of_order } : {}),
    ...(c.dead_letters !== undefined ? { deadLetters: c.dead_letters } : {}),
  };
  return {
    at: new Date(i.now).toISOString(),
    db: { ok: true },
    computedAt: i.computedAt ?? null,
    hasData: summary.events > 0 || summary.deadLetters > 0 || (r.latest?.length ?? 0) > 0,
    summary,
    activity: r.activity ?? { minutes: [], series: {}, totals: {} },
    topUsers: r.topUsers ?? [],
    latest: r.latest ?? [],
    gender: r.gender ?? {},
    relationship: r.relationship ?? {},
    pipeline: i.pipeline,
  };
}

/** The snapshot shown while the DB cannot be read: the last good data (if any), flagged. */
export function unreachableSnapshot(now: number, error: string, lastGood: DashboardSnapshot | undefined): DashboardSnapshot {
  const base = lastGood ?? buildSnapshot({ now, rollups: {}, computedAt: undefined, counters: {}, pipeline: { at: new Date(now).toISOString(), shards: [], workers: [] } });
  return { ...base, at: new Date(now).toISOString(), db: { ok: false, error } };
}
