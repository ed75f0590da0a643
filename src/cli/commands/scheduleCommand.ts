import { Command } from 'commander';
import type { CliIo } from '../context.ts';

export function scheduleCommand(io: CliIo): Command {
  return new Command('schedule')
    .summary('keep the dashboard roll-ups fresh and prune old rows (one leader at a time)')
    .description(
      'Run the periodic jobs: dashboard roll-ups every scheduler.intervalMs (activity by type and top users over\n' +
        'the last scheduler.windowMinutes, latest activities, gender and relationship breakdowns, summary) and\n' +
        'retention pruning in small batches, and archive clean-up (objects no worker can commit any more, older than\n' +
        'archive.orphanGraceMs). Any number may run; one is the leader (a lease in the lease table), the\n' +
        'rest stand by and take over when it stops or dies.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { configuredObjectStore } = await import('../../archive/s3ObjectStore.ts');
      const { archiveJobs } = await import('../../scheduler/archiveJobs.ts');
      const { dashboardJobs } = await import('../../scheduler/dashboardJobs.ts');
      const { runScheduler } = await import('../../scheduler/runScheduler.ts');
      const { openConfiguredStore } = await import('../../store/openStore.ts');
      const { buildContext } = await import('../context.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config } = ctx.settings;
      const store = openConfiguredStore(ctx.settings);
      const { objectStore, close } = configuredObjectStore(config);
      const s = runScheduler({ store, log: ctx.log, jobs: [...dashboardJobs(config), ...archiveJobs(config, objectStore)], leaseDurationMs: config.scheduler.leaseDurationMs, tickMs: Math.min(1_000, config.scheduler.intervalMs) });
      ctx.log.info({ scheduler: s.id }, 'scheduler started');
      if (!ctx.signal.aborted) await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      await s.stop();
      await store.close();
      close();
      ctx.log.info({ runs: s.runs }, 'scheduler stopped');
    });
}
