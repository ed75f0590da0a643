import { replayArchive } from '../archive/replayArchive.ts';
import type { ObjectStore } from '../archive/ObjectStore.ts';
import { comparePosition, type Position } from '../kinesis/position.ts';
import type { Store } from '../store/Store.ts';

export interface ArchiveAudit {
  /** Records in the committed archive. */
  records: number;
  /** Distinct input events not found in the archive. */
  missing: number;
  /** Stream positions (shard, sequence, sub-sequence) committed more than once. */
  duplicatedPositions: number;
  /** Records not in shard order within their shard. */
  orderViolations: number;
  /** With the stream's own records: records in the stream that the archive lacks. */
  streamRecordsMissing?: number;
  examples: string[];
}

const posKey = (shard: string, p: Pick<Position, 'seq' | 'sub'>) => `${shard}/${p.seq}/${p.sub}`;

/**
 * Reconciles the committed archive: every input event present, every stream position committed
 * once, each shard's records in order — and, given the stream's positions, none of them missing.
 */
export async function auditArchive(
  o: { store: Store; objectStore: ObjectStore; app: string },
  expectedEventIds: Iterable<string>,
  streamPositions?: Iterable<string>,
): Promise<ArchiveAudit> {
  const report: ArchiveAudit = { records: 0, missing: 0, duplicatedPositions: 0, orderViolations: 0, examples: [] };
  const note = (s: string) => report.examples.length < 20 && report.examples.push(s);
  const seenPositions = new Set<string>();
  const seenEvents = new Set<string>();
  const lastOfShard = new Map<string, Pick<Position, 'seq' | 'sub'>>();
  for await (const line of replayArchive({ store: o.store, objectStore: o.objectStore, app: o.app })) {
    report.records++;
    const key = posKey(line.shard, line);
    if (seenPositions.has(key)) {
      report.duplicatedPositions++;
      note(`position committed twice: ${key}`);
    }
    seenPositions.add(key);
    const prev = lastOfShard.get(line.shard);
    if (prev && comparePosition(line, prev) <= 0) {
      report.orderViolations++;
      note(`shard order: ${key} after ${posKey(line.shard, prev)}`);
    }
    lastOfShard.set(line.shard, line);
    const id = line.event?.eventId;
    if (typeof id === 'string') seenEvents.add(id);
  }
  for (const id of expectedEventIds) {
    if (!seenEvents.has(id)) {
      report.missing++;
      note(`missing from the archive: event ${id}`);
    }
  }
  if (streamPositions) {
    report.streamRecordsMissing = 0;
    for (const p of streamPositions) {
      if (!seenPositions.has(p)) {
        report.streamRecordsMissing++;
        note(`stream record not archived: ${p}`);
      }
    }
  }
  return report;
}

export function archiveViolations(a: ArchiveAudit): number {
  return a.missing + a.duplicatedPositions + a.orderViolations + (a.streamRecordsMissing ?? 0);
}
