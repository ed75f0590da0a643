import type { SqlExecutor } from '../store/Store.ts';
import { upsertSql } from '../store/sql.ts';

export interface RollupOptions {
  windowMinutes: number;
  topUsers: number;
  latest: number;
}

export interface ActivityWindow {
  minutes: number[];
  /** activity type → events per minute, aligned with `minutes`. */
  series: Record<string, number[]>;
  totals: Record<string, number>;
}

export interface TopUser {
  userid: string;
  fullName: string;
  events: number;
  topActivity: string;
}

export interface LatestActivity {
  eventId: string;
  userid: string;
  fullName: string;
  activityType: string;
  activityMetadata: string;
  activityTimestamp: string;
  ingestedAt: number;
}

export interface Summary {
  events: number;
  users: number;
  duplicatesDropped: number;
  outOfOrder: number;
  deadLetters: number;
  eventsPerSecond: number;
}

export interface Rollups {
  summary: Summary;
  activity: ActivityWindow;
  topUsers: TopUser[];
  latest: LatestActivity[];
  gender: Record<string, number>;
  relationship: Record<string, number>;
}

const num = (v: unknown) => Number(v ?? 0);

/**
 * Recomputes the dashboard's roll-ups for the window ending at `now` from the source tables.
 * Each snapshot replaces the previous one, so re-running a window never double-counts.
 */
export async function computeRollups(db: SqlExecutor, now: number, o: RollupOptions): Promise<Rollups> {
  const minuteNow = Math.floor(now / 60_000) * 60_000;
  const from = minuteNow - (o.windowMinutes - 1) * 60_000;

  const minutes = Array.from({ length: o.windowMinutes }, (_, i) => from + i * 60_000);
  const series: Record<string, number[]> = {};
  const totals: Record<string, number> = {};
  for (const r of await db.query<{ minute: number; activity_type: string; events: number }>('SELECT minute, activity_type, SUM(events) AS events FROM activity_minute WHERE minute >= ? GROUP BY minute, activity_type ORDER BY minute', [from])) {
    const i = (num(r.minute) - from) / 60_000;
    if (i < 0 || i >= minutes.length) continue;
    (series[r.activity_type] ??= new Array(minutes.length).fill(0))[i] = num(r.events);
    totals[r.activity_type] = (totals[r.activity_type] ?? 0) + num(r.events);
  }

  const top = await db.query<{ userid: string; n: number }>(
    'SELECT userid, SUM(events) AS n FROM user_activity_minute WHERE minute >= ? GROUP BY userid ORDER BY n DESC, userid LIMIT ?',
    [from, o.topUsers],
  );
  const topUsers: TopUser[] = [];
  for (const t of top) {
    const [fav] = await db.query<{ activity_type: string; n: number }>(
      'SELECT activity_type, SUM(events) AS n FROM user_activity_minute WHERE userid = ? AND minute >= ? GROUP BY activity_type ORDER BY n DESC, activity_type LIMIT 1',
      [t.userid, from],
    );
    const [user] = await db.query<{ full_name: string }>('SELECT full_name FROM users WHERE userid = ?', [t.userid]);
    topUsers.push({ userid: t.userid, fullName: user?.full_name ?? '', events: num(t.n), topActivity: fav?.activity_type ?? '' });
  }

  const latest = (
    await db.query<{ event_id: string; userid: string; full_name: string; activity_type: string; activity_metadata: string; activity_ts: number; ingested_at: number }>(
      'SELECT event_id, userid, full_name, activity_type, activity_metadata, activity_ts, ingested_at FROM events ORDER BY id DESC LIMIT ?',
      [o.latest],
    )
  ).map((r) => ({
    eventId: r.event_id,
    userid: r.userid,
    fullName: r.full_name,
    activityType: r.activity_type,
    activityMetadata: r.activity_metadata,
    activityTimestamp: new Date(num(r.activity_ts)).toISOString(),
    ingestedAt: num(r.ingested_at),
  }));

  const group = async (col: 'gender' | 'relationship_status') => {
    const out: Record<string, number> = {};
    for (const r of await db.query<{ k: string; n: number }>(`SELECT ${col} AS k, COUNT(*) AS n FROM users GROUP BY ${col}`)) out[r.k] = num(r.n);
    return out;
  };
  const gender = await group('gender');
  const relationship = await group('relationship_status');

  const counters: Record<string, number> = {};
  for (const r of await db.query<{ name: string; value: number }>('SELECT name, SUM(value) AS value FROM counters GROUP BY name')) counters[r.name] = num(r.value);
  const [users] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM users');
  // Events/s over the last 60 s from the per-minute counters: this minute so far plus the part of
  // the previous minute still inside the 60 s.
  const into = (now - minuteNow) / 60_000;
  const minuteTotal = (i: number) => Object.values(series).reduce((a, s) => a + (s[i] ?? 0), 0);
  const lastIdx = minutes.length - 1;
  const lastMinute = minuteTotal(lastIdx) + (lastIdx > 0 ? minuteTotal(lastIdx - 1) * (1 - into) : 0);
  const summary: Summary = {
    events: counters.events_applied ?? 0,
    users: num(users?.n),
    duplicatesDropped: counters.duplicates_dropped ?? 0,
    outOfOrder: counters.out_of_order ?? 0,
    deadLetters: counters.dead_letters ?? 0,
    eventsPerSecond: Math.round((lastMinute / 60) * 10) / 10,
  };
  return { summary, activity: { minutes, series, totals }, topUsers, latest, gender, relationship };
}

/** Stores each roll-up as one row, replacing the previous snapshot. */
export async function storeRollups(db: SqlExecutor, r: Rollups, windowStart: number, now: number): Promise<void> {
  const rows = Object.entries(r).map(([name, body]) => [name, windowStart, now, JSON.stringify(body), now]);
  await db.execute(upsertSql(db.dialect, 'rollups', ['name', 'window_start', 'window_end', 'body', 'computed_at'], ['name'], rows.length, { replace: ['window_start', 'window_end', 'body', 'computed_at'] }), rows.flat());
}

/** The latest stored roll-ups and when they were computed (undefined before the first run). */
export async function readRollups(db: SqlExecutor): Promise<{ rollups: Partial<Rollups>; computedAt: number | undefined }> {
  const rows = await db.query<{ name: string; body: string; computed_at: number }>('SELECT name, body, computed_at FROM rollups');
  const rollups: Record<string, unknown> = {};
  let computedAt: number | undefined;
  for (const row of rows) {
    rollups[row.name] = JSON.parse(row.body);
    computedAt = Math.max(computedAt ?? 0, num(row.computed_at));
  }
  return { rollups: rollups as Partial<Rollups>, computedAt };
}
