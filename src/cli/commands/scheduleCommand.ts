import { Command } from 'commander';
import type { SchedulerHandle } from '../../scheduler/runScheduler.ts';
import type { CliIo } from '../context.ts';
import { nonNegativeInt } from '../parseArgs.ts';

export function scheduleCommand(io: CliIo): Command {
  return new Command('schedule')
    .summary('keep the dashboard roll-ups fresh and prune old rows (one leader at a time)')
    .description(
      "Run the periodic jobs: dashboard roll-ups every scheduler.intervalMs (activity by type and top users over the last scheduler.windowMinutes, latest activities, gender and relationship breakdowns, summary) and retention pruning in small batches, and archive clean-up (objects no worker can commit any more, older than archive.orphanGraceMs). Any number may run; one is the leader (a lease in the lease table), the rest stand by and take over when it stops or dies.",
    )
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port, 0 = any free (config metrics.port)', nonNegativeInt)
    .action(async (opts: { metricsPort?: number }, cmd: Command) => {
      const { configuredObjectStore } = await import('../../archive/s3ObjectStore.ts');
      const { archiveJobs } = await import('../../scheduler/archiveJobs.ts');
      const { dashboardJobs } = await import('../../scheduler/dashboardJobs.ts');
      const { runScheduler } = await import('../../scheduler/runScheduler.ts');
      const { openConfiguredStore } = await import('../../store/openStore.ts');
      const { buildContext } = await import('../context.ts');
      const { registerSchedulerMetrics } = await import('../../metrics/schedulerMetrics.ts');
      const { serveRoleMetrics } = await import('../../metrics/serveRoleMetrics.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals(), { 'metrics.port': opts.metricsPort });
      const { config } = ctx.settings;
      let s: SchedulerHandle | undefined;
      const metrics = await serveRoleMetrics(ctx, 'schedule', () => ({ ok: s !== undefined, reasons: s ? [] : ['starting'], leader: s?.isLeader() ?? false }));
      const onJobRun = registerSchedulerMetrics(metrics.registry, () => s);
      const store = openConfiguredStore(ctx.settings);
      const { objectStore, close } = configuredObjectStore(config);
      s = runScheduler({ store, log: ctx.log, jobs: [...dashboardJobs(config), ...archiveJobs(config, objectStore)], leaseDurationMs: config.scheduler.leaseDurationMs, tickMs: Math.min(1_000, config.scheduler.intervalMs), onJobRun });
      ctx.log.info({ scheduler: s.id }, 'scheduler started');
      if (!ctx.signal.aborted) await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      await s.stop();
      await store.close();
      close();
      await metrics.close();
      ctx.log.info({ runs: s.runs }, 'scheduler stopped');
    });
}
