import type { Store } from '../store/Store.ts';

export interface PruneResult {
  events: number;
  activityMinutes: number;
  deadLetters: number;
}

/**
 * Deletes rows older than the horizon in small batches, each its own short transaction, so
 * ingestion never waits long. Events are kept at least as long as the stream retains records:
 * that is the de-duplication horizon.
 */
export async function pruneRetention(store: Store, now: number, o: { horizonMs: number; batch: number; maxBatches?: number }): Promise<PruneResult> {
  const deleteOld = async (table: string, col: string, before: number): Promise<number> => {
    let total = 0;
    for (let i = 0; i < (o.maxBatches ?? 100); i++) {
      const sql =
        store.dialect === 'mysql'
          ? `DELETE FROM ${table} WHERE ${col} < ? ORDER BY ${col} LIMIT ${o.batch}`
          : `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${col} < ? LIMIT ${o.batch})`;
      const r = await store.execute(sql, [before]);
      total += r.affectedRows;
      if (r.affectedRows < o.batch) break;
    }
    return total;
  };
  return {
    events: await deleteOld('events', 'ingested_at', now - o.horizonMs),
    activityMinutes:
      (await deleteOld('activity_minute', 'minute', now - Math.max(o.horizonMs, 86_400_000))) +
      (await deleteOld('user_activity_minute', 'minute', now - Math.max(o.horizonMs, 86_400_000))),
    deadLetters: await deleteOld('dead_letters', 'created_at', now - Math.max(o.horizonMs, 7 * 86_400_000)),
  };
}
