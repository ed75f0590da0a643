import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import type { ShardInfo } from '../kinesis/KinesisReadPort.ts';

export interface StreamAudit {
  /** User records a KCL reader gets (after dropping those outside their shard's range). */
  records: number;
  /** Sub-records outside their shard's hash range, dropped: copies a producer re-sent to the right shard are expected. */
  droppedOutOfRange: number;
  /** Input events not in the stream as a KCL reader sees it. */
  missing: number;
  /** Extra copies of input events (producer retries after a lost acknowledgement; consumers de-duplicate them). */
  extraCopies: number;
  /** A user's events read out of input order in the KCL's reading order (parents before children). */
  orderViolations: number;
  /** Users with events on two shards that a KCL reads side by side (neither descends from the other). */
  usersOnSiblingShards: number;
  /** Records that are not events (not JSON, no eventId): reported; the consumers dead-letter them. */
  unreadable: number;
  examples: string[];
}

export interface InputEvent {
  userid: string;
}

/** Shards with parents first (the order a KCL may finish them in), ties by shard id. */
function parentsFirst(shards: readonly ShardInfo[]): string[] {
  const byId = new Map(shards.map((s) => [s.shardId, s]));
  const out: string[] = [];
  const done = new Set<string>();
  const visit = (id: string) => {
    if (done.has(id)) return;
    done.add(id);
    for (const p of byId.get(id)?.parentIds ?? []) if (byId.has(p)) visit(p);
    out.push(id);
  };
  [...byId.keys()].sort().forEach(visit);
  return out;
}

/**
 * Checks the stream as a KCL application reads it against the input: every input event present,
 * each user's events in input order when shards are read parents-first, and no user on two
 * shards read side by side. `input` is in the producer's order; `dropped` comes from the reader.
 */
export function auditStreamView(shards: readonly ShardInfo[], records: ReadonlyMap<string, readonly ConsumedRecord[]>, input: ReadonlyMap<string, InputEvent>, dropped: number): StreamAudit {
  const report: StreamAudit = { records: 0, droppedOutOfRange: dropped, missing: 0, extraCopies: 0, orderViolations: 0, usersOnSiblingShards: 0, unreadable: 0, examples: [] };
  const note = (s: string) => report.examples.length < 20 && report.examples.push(s);
  const parents = new Map(shards.map((s) => [s.shardId, s.parentIds]));
  const descends = (child: string, ancestor: string): boolean => child === ancestor || (parents.get(child) ?? []).some((p) => descends(p, ancestor));
  const rank = new Map<string, number>();
  const perUser = new Map<string, number>();
  for (const [id, e] of input) {
    const n = perUser.get(e.userid) ?? 0;
    rank.set(id, n);
    perUser.set(e.userid, n + 1);
  }
  const seen = new Set<string>();
  const lastRank = new Map<string, { rank: number; eventId: string }>();
  const shardOfUser = new Map<string, string>();
  const sibling = new Set<string>();
  for (const shardId of parentsFirst(shards)) {
    for (const r of records.get(shardId) ?? []) {
      report.records++;
      let eventId: unknown;
      let userid: unknown;
      try {
        ({ eventId, userid } = JSON.parse(r.data.toString('utf8')) as { eventId?: unknown; userid?: unknown });
      } catch {
        report.unreadable++;
        continue;
      }
      if (typeof eventId !== 'string' || typeof userid !== 'string') {
        report.unreadable++;
        continue;
      }
      const prevShard = shardOfUser.get(userid);
      if (prevShard !== undefined && prevShard !== shardId) {
        if (descends(shardId, prevShard)) shardOfUser.set(userid, shardId);
        else if (!sibling.has(userid)) {
          sibling.add(userid);
          note(`user ${userid} on ${prevShard} and ${shardId}, which a KCL reads side by side`);
        }
      } else shardOfUser.set(userid, shardId);
      if (seen.has(eventId)) {
        if (rank.has(eventId)) report.extraCopies++;
        continue;
      }
      seen.add(eventId);
      const at = rank.get(eventId);
      if (at === undefined) continue;
      const prev = lastRank.get(userid);
      if (prev && at < prev.rank) {
        report.orderViolations++;
        note(`order: ${userid} reads ${eventId} (${shardId}/${r.seq}/${r.sub}) after ${prev.eventId}; the input has it before`);
      } else lastRank.set(userid, { rank: at, eventId });
    }
  }
  report.usersOnSiblingShards = sibling.size;
  for (const [id, e] of input) {
    if (seen.has(id)) continue;
    report.missing++;
    note(`missing from the stream as a KCL reads it: event ${id} (user ${e.userid})`);
  }
  return report;
}

export function streamViolations(s: StreamAudit): number {
  return s.missing + s.orderViolations + s.usersOnSiblingShards;
}
