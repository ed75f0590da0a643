import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import type { SqlExecutor } from '../store/Store.ts';
import { inChunks, insertIgnore, upsertSql, valuesList } from '../store/sql.ts';
import { decodeEventRecord } from './decodeEventRecord.ts';
import { planUserUpdates, type AppliedEvent, type UserState } from './planUserUpdates.ts';

export interface BatchStats {
  applied: number;
  duplicates: number;
  outOfOrder: number;
  deadLetters: number;
}

const CHUNK = 500;
const EVENT_COLS = ['event_id', 'userid', 'full_name', 'gender', 'relationship_status', 'activity_type', 'activity_metadata', 'activity_ts', 'user_seq', 'shard_id', 'seq', 'sub', 'ingested_at'];
const USER_COLS = ['userid', 'full_name', 'gender', 'relationship_status', 'last_activity_type', 'last_activity_metadata', 'last_activity_ts', 'last_user_seq', 'last_event_id', 'last_shard_id', 'last_seq', 'last_sub', 'event_count', 'updated_at'];

interface RawUser {
  userid: string;
  full_name: string;
  gender: string;
  relationship_status: string;
  last_activity_type: string;
  last_activity_metadata: string;
  last_activity_ts: number | string;
  last_user_seq: number | string | null;
  last_event_id: string;
  last_shard_id: string;
  last_seq: string;
  last_sub: number | string;
  event_count: number | string;
}

/**
 * Applies one shard batch inside the caller's (fenced) transaction: new events inserted once by
 * eventId, repeated ones counted as duplicates, users' latest state moved forward in stream
 * order, live counters updated, malformed records stored as dead letters. Multi-row statements.
 */
export async function applyDashboardBatch(tx: SqlExecutor, app: string, records: readonly ConsumedRecord[], now: number): Promise<BatchStats> {
  const d = tx.dialect;
  const fresh: AppliedEvent[] = [];
  const dead: unknown[][] = [];
  const batchIds = new Set<string>();
  let duplicates = 0;
  for (const r of records) {
    const decoded = decodeEventRecord(r.data);
    if (!decoded.ok) {
      dead.push([app, r.shardId, r.seq, r.sub, decoded.reason, decoded.payload, decoded.encoding, now]);
      continue;
    }
    if (batchIds.has(decoded.event.eventId)) {
      duplicates++;
      continue;
    }
    batchIds.add(decoded.event.eventId);
    fresh.push({ event: decoded.event, shardId: r.shardId, seq: r.seq, sub: r.sub });
  }

  // One statement per chunk in the common case: INSERT IGNORE, and only a chunk that lost rows to
  // existing eventIds is read back. A row stored at this record's own stream position was inserted
  // just now: the fence never applies a position twice (a committed batch is skipped, an older one refused).
  const applied: AppliedEvent[] = [];
  await inChunks(fresh, CHUNK, async (chunk) => {
    const params = chunk.flatMap(({ event: e, shardId, seq, sub }) => [
      e.eventId,
      e.userid,
      e.fullName,
      e.gender,
      e.relationshipStatus,
      e.activityType,
      e.activityMetadata,
      Date.parse(e.activityTimestamp),
      e.userSeq ?? null,
      shardId,
      seq,
      sub,
      now,
    ]);
    const { affectedRows } = await tx.execute(`${insertIgnore(d)} INTO events (${EVENT_COLS.join(', ')}) VALUES ${valuesList(chunk.length, EVENT_COLS.length)}`, params);
    if (affectedRows === chunk.length) {
      applied.push(...chunk);
      return;
    }
    const rows = await tx.query<{ event_id: string; shard_id: string; seq: string; sub: number | string }>(
      `SELECT event_id, shard_id, seq, sub FROM events WHERE event_id IN (${chunk.map(() => '?').join(', ')})`,
      chunk.map((a) => a.event.eventId),
    );
    const at = new Map(rows.map((r) => [r.event_id, r]));
    for (const a of chunk) {
      const r = at.get(a.event.eventId);
      if (r && r.shard_id === a.shardId && r.seq === a.seq && Number(r.sub) === a.sub) applied.push(a);
    }
  });
  duplicates += fresh.length - applied.length;

  const userIds = [...new Set(applied.map((a) => a.event.userid))];
  const current = new Map<string, UserState>();
  await inChunks(userIds, CHUNK, async (chunk) => {
    const rows = await tx.query<RawUser>(`SELECT * FROM users WHERE userid IN (${chunk.map(() => '?').join(', ')})`, chunk);
    for (const u of rows) {
      current.set(u.userid, {
        userid: u.userid,
        fullName: u.full_name,
        gender: u.gender,
        relationshipStatus: u.relationship_status,
        lastActivityType: u.last_activity_type,
        lastActivityMetadata: u.last_activity_metadata,
        lastActivityTs: Number(u.last_activity_ts),
        lastUserSeq: u.last_user_seq === null ? null : Number(u.last_user_seq),
        lastEventId: u.last_event_id,
        lastShardId: u.last_shard_id,
        lastSeq: u.last_seq,
        lastSub: Number(u.last_sub),
        eventCount: Number(u.event_count),
      });
    }
  });
  const { states, outOfOrder } = planUserUpdates(current, applied);
  // A fixed key order keeps concurrent transactions from deadlocking on rows they share.
  const ordered = [...states.values()].sort((a, b) => (a.userid < b.userid ? -1 : a.userid > b.userid ? 1 : 0));
  await inChunks(ordered, CHUNK, async (chunk) => {
    const params = chunk.flatMap((s) => [s.userid, s.fullName, s.gender, s.relationshipStatus, s.lastActivityType, s.lastActivityMetadata, s.lastActivityTs, s.lastUserSeq, s.lastEventId, s.lastShardId, s.lastSeq, s.lastSub, s.eventCount, now]);
    await tx.execute(upsertSql(d, 'users', USER_COLS, ['userid'], chunk.length, { replace: USER_COLS.slice(1) }), params);
  });

  // Rows in a fixed order, striped by shard: concurrent shards never contend on or deadlock over them.
  const shardId = records[0]?.shardId ?? '';
  const perMinute = new Map<string, number>();
  const minute = Math.floor(now / 60_000) * 60_000;
  for (const a of applied) perMinute.set(a.event.activityType, (perMinute.get(a.event.activityType) ?? 0) + 1);
  if (perMinute.size > 0) {
    const rows = [...perMinute].sort(([a], [b]) => (a < b ? -1 : 1));
    await tx.execute(
      upsertSql(d, 'activity_minute', ['minute', 'activity_type', 'shard_id', 'events'], ['minute', 'activity_type', 'shard_id'], rows.length, { add: ['events'] }),
      rows.flatMap(([type, n]) => [minute, type, shardId, n]),
    );
  }

  const perUser = new Map<string, { userid: string; type: string; n: number }>();
  for (const a of applied) {
    const key = `${a.event.userid}\u0000${a.event.activityType}`;
    const cur = perUser.get(key);
    if (cur) cur.n++;
    else perUser.set(key, { userid: a.event.userid, type: a.event.activityType, n: 1 });
  }
  const userRows = [...perUser.values()].sort((a, b) => (a.userid < b.userid ? -1 : a.userid > b.userid ? 1 : a.type < b.type ? -1 : 1));
  await inChunks(userRows, CHUNK, async (chunk) => {
    await tx.execute(
      upsertSql(d, 'user_activity_minute', ['minute', 'userid', 'activity_type', 'events'], ['minute', 'userid', 'activity_type'], chunk.length, { add: ['events'] }),
      chunk.flatMap((r) => [minute, r.userid, r.type, r.n]),
    );
  });

  await inChunks(dead, CHUNK, async (chunk) => {
    // Keyed by stream position: a batch applied again (a commit whose reply was lost) adds no second copy.
    await tx.execute(`${insertIgnore(d)} INTO dead_letters (app, shard_id, seq, sub, reason, payload, payload_encoding, created_at) VALUES ${valuesList(chunk.length, 8)}`, chunk.flat());
  });

  const counters: Array<[string, number]> = [
    ['events_applied', applied.length],
    ['duplicates_dropped', duplicates],
    ['out_of_order', outOfOrder],
    ['dead_letters', dead.length],
  ].filter(([, n]) => (n as number) > 0) as Array<[string, number]>;
  if (counters.length > 0) {
    await tx.execute(upsertSql(d, 'counters', ['name', 'shard_id', 'value'], ['name', 'shard_id'], counters.length, { add: ['value'] }), counters.flatMap(([name, n]) => [name, shardId, n]));
  }
  return { applied: applied.length, duplicates, outOfOrder, deadLetters: dead.length };
}
