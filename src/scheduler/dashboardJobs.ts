import type { Config } from '../config/configSchema.ts';
import { computeRollups, storeRollups } from '../dashboard/dashboardRollups.ts';
import { pruneRetention } from './pruneRetention.ts';
import type { Job } from './runScheduler.ts';

/** The dashboard's periodic jobs: roll-ups for the page, and retention pruning. */
export function dashboardJobs(config: Config): Job[] {
  const s = config.scheduler;
  return [
    {
      name: 'rollups',
      everyMs: s.intervalMs,
      async run(ctx) {
        const rollups = await computeRollups(ctx.store, ctx.now, s);
        await ctx.fenced((tx) => storeRollups(tx, rollups, ctx.now - s.windowMinutes * 60_000, ctx.now));
      },
    },
    {
      name: 'retention',
      everyMs: s.retentionIntervalMs,
      async run(ctx) {
        // The de-duplication horizon: at least the stream's retention, plus an hour of slack.
        const r = await pruneRetention(ctx.store, ctx.now, { horizonMs: (config.stream.retentionHours + 1) * 3_600_000, batch: s.pruneBatch });
        if (r.events + r.activityMinutes + r.deadLetters > 0) ctx.log.info(r, 'pruned old rows');
      },
    },
  ];
}
