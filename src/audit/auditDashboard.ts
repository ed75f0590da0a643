import type { UserEvent } from '../events/eventSchema.ts';
import type { Store } from '../store/Store.ts';
import { inChunks } from '../store/sql.ts';

export interface DashboardAudit {
  expected: number;
  found: number;
  missing: number;
  duplicated: number;
  orderViolations: number;
  fieldMismatches: number;
  examples: string[];
}

interface Row {
  id: number | string;
  event_id: string;
  userid: string;
  full_name: string;
  gender: string;
  relationship_status: string;
  activity_type: string;
  activity_metadata: string;
  activity_ts: number | string;
  user_seq: number | string | null;
}

function differences(e: UserEvent, r: Row): string[] {
  const pairs: Array<[string, unknown, unknown]> = [
    ['userid', e.userid, r.userid],
    ['fullName', e.fullName, r.full_name],
    ['gender', e.gender, r.gender],
    ['relationshipStatus', e.relationshipStatus, r.relationship_status],
    ['activityType', e.activityType, r.activity_type],
    ['activityMetadata', e.activityMetadata, r.activity_metadata],
    ['activityTimestamp', Date.parse(e.activityTimestamp), Number(r.activity_ts)],
    ['userSeq', e.userSeq ?? null, r.user_seq === null ? null : Number(r.user_seq)],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([k]) => k);
}

/**
 * Reconciles input events with the dashboard DB: each must be stored exactly once, with the
 * same fields, and each user's events applied in input order.
 */
export async function auditDashboard(store: Store, events: Map<string, UserEvent>): Promise<DashboardAudit> {
  const report: DashboardAudit = { expected: events.size, found: 0, missing: 0, duplicated: 0, orderViolations: 0, fieldMismatches: 0, examples: [] };
  const note = (s: string) => report.examples.length < 20 && report.examples.push(s);
  const stored = new Map<string, Row>();
  await inChunks([...events.keys()], 500, async (ids) => {
    const rows = await store.query<Row>(
      `SELECT id, event_id, userid, full_name, gender, relationship_status, activity_type, activity_metadata, activity_ts, user_seq FROM events WHERE event_id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    for (const r of rows) {
      if (stored.has(r.event_id)) {
        report.duplicated++;
        note(`duplicated: ${r.event_id}`);
      }
      stored.set(r.event_id, r);
    }
  });
  const [dup] = await store.query<{ n: number | string }>('SELECT COUNT(*) - COUNT(DISTINCT event_id) AS n FROM events');
  report.duplicated = Math.max(report.duplicated, Number(dup?.n ?? 0));

  const lastIdOfUser = new Map<string, { id: number; eventId: string }>();
  for (const [eventId, e] of events) {
    const r = stored.get(eventId);
    if (!r) {
      report.missing++;
      note(`missing: ${eventId} (user ${e.userid})`);
      continue;
    }
    report.found++;
    const diff = differences(e, r);
    if (diff.length > 0) {
      report.fieldMismatches++;
      note(`fields differ for ${eventId}: ${diff.join(', ')}`);
    }
    const prev = lastIdOfUser.get(e.userid);
    const id = Number(r.id);
    if (prev && id < prev.id) {
      report.orderViolations++;
      note(`order: ${e.userid} applied ${eventId} before ${prev.eventId}, input has it after`);
    } else lastIdOfUser.set(e.userid, { id, eventId });
  }
  return report;
}
