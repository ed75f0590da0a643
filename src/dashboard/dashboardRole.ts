import type { ConsumerRole } from '../consumers/ConsumerRole.ts';
import type { DashboardCounters } from './dashboardProcessor.ts';

export const dashboardRole: ConsumerRole = {
  name: 'dashboard',
  description: 'de-duplicate events and apply them in per-user order to the dashboard DB (app: apps.dashboard)',
  appName: (settings) => settings.config.apps.dashboard,
  async create(env) {
    // Loaded here, not at start-up: listing the roles (`centos --help`) must not load the event schema.
    const { dashboardProcessor } = await import('./dashboardProcessor.ts');
    const counters: DashboardCounters = { batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 };
    return {
      processor: dashboardProcessor(env.settings.config.apps.dashboard, counters),
      close: async () => env.log.info({ dashboard: counters }, 'dashboard totals'),
      stats: () => ({ ...counters }),
    };
  },
};
