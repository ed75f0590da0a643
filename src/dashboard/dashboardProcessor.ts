import type { ShardContext, ShardProcessor } from '../coordinator/ShardProcessor.ts';
import { applyDashboardBatch, type BatchStats } from './applyDashboardBatch.ts';

export interface DashboardCounters extends BatchStats {
  batches: number;
}

/** Per batch, one fenced transaction: events, user state, counters, dead letters and the checkpoint. */
export function dashboardProcessor(app: string, counters: DashboardCounters, now: () => number = Date.now) {
  return (ctx: ShardContext): ShardProcessor => ({
    async processBatch(records) {
      const stats = await ctx.commit(records[records.length - 1]!, (tx) => applyDashboardBatch(tx, app, records, now()));
      if (!stats) return;
      counters.batches++;
      counters.applied += stats.applied;
      counters.duplicates += stats.duplicates;
      counters.outOfOrder += stats.outOfOrder;
      counters.deadLetters += stats.deadLetters;
    },
  });
}
