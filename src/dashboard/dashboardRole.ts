import type { ConsumerRole } from '../consumers/consumerRoles.ts';
import type { ShardProcessor } from '../coordinator/runConsumer.ts';
import { applyDashboardBatch, type BatchStats } from './applyDashboardBatch.ts';

export interface DashboardCounters extends BatchStats {
  batches: number;
}

/** Per batch, one fenced transaction: events, user state, counters, dead letters and the checkpoint. */
export function dashboardProcessor(app: string, counters: DashboardCounters, now: () => number = Date.now) {
  return (ctx: import('../coordinator/runConsumer.ts').ShardContext): ShardProcessor => ({
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

export const dashboardRole: ConsumerRole = {
  description: 'de-duplicate events and apply them in per-user order to the dashboard DB (app: apps.dashboard)',
  appName: (settings) => settings.config.apps.dashboard,
  async create(env) {
    const counters: DashboardCounters = { batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 };
    return { processor: dashboardProcessor(env.settings.config.apps.dashboard, counters), close: async () => env.log.info({ dashboard: counters }, 'dashboard totals') };
  },
};
