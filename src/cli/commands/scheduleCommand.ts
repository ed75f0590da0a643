import { Command } from 'commander';
import type { CliIo } from '../context.ts';

export function scheduleCommand(io: CliIo): Command {
  return new Command('schedule')
    .summary('keep the dashboard roll-ups fresh and prune old rows (one leader at a time)')
    .description(
      'Run the periodic jobs: dashboard roll-ups every scheduler.intervalMs (activity by type and top users over\n' +
        'the last scheduler.windowMinutes, latest activities, gender and relationship breakdowns, summary) and\n' +
        'retention pruning in small batches. Any number may run; one is the leader (a lease in the lease table), the\n' +
        'rest stand by and take over when it stops or dies.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ dashboardJobs }, { runScheduler }, { openStore }] = await Promise.all([
        import('../../scheduler/dashboardJobs.ts'),
        import('../../scheduler/runScheduler.ts'),
        import('../../store/openStore.ts'),
      ]);
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config, secrets } = ctx.settings;
      const store = openStore(config.db.url, secrets.dbPassword ? { password: secrets.dbPassword } : {});
      const s = runScheduler({ store, log: ctx.log, jobs: dashboardJobs(config), leaseDurationMs: config.scheduler.leaseDurationMs, tickMs: Math.min(1_000, config.scheduler.intervalMs) });
      ctx.log.info({ scheduler: s.id }, 'scheduler started');
      if (!ctx.signal.aborted) await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      await s.stop();
      await store.close();
      ctx.log.info({ runs: s.runs }, 'scheduler stopped');
    });
}
