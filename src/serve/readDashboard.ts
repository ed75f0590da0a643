import { readStatus } from '../coordinator/readStatus.ts';
import { readRollups } from '../dashboard/dashboardRollups.ts';
import type { Store } from '../store/Store.ts';
import { buildSnapshot, type DashboardSnapshot } from './buildSnapshot.ts';

/**
 * Reads what the page shows from the small tables only: the stored roll-ups, the live
 * counters and the lease table. Never the events table: its cost must not grow with traffic.
 */
export async function readDashboard(store: Store, now: number, leaseDurationMs: number): Promise<DashboardSnapshot> {
  const { rollups, computedAt } = await readRollups(store);
  const counters: Record<string, number> = {};
  for (const r of await store.query<{ name: string; value: number | string }>('SELECT name, SUM(value) AS value FROM counters GROUP BY name')) counters[r.name] = Number(r.value);
  const pipeline = await readStatus(store, leaseDurationMs);
  return buildSnapshot({ now, rollups, computedAt, counters, pipeline });
}
