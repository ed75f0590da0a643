import { Command, Option } from 'commander';
import { consumerRoles } from '../../consumers/consumerRoles.ts';
import type { CliIo } from '../context.ts';
import { nonNegativeInt } from '../parseArgs.ts';

/** `centos consume --role <role>`: one worker of a consumer application, until SIGINT/SIGTERM. */
export function consumeCommand(io: CliIo, fixedRole?: string, name = 'consume'): Command {
  const roles = Object.keys(consumerRoles);
  const cmd = new Command(name);
  if (fixedRole) cmd.summary(`run one worker of the ${fixedRole} consumer (same as consume --role ${fixedRole})`);
  else
    cmd
      .summary('run one worker of a consumer application (shares shards with other workers)')
      .addOption(new Option('--role <role>', 'which application').choices(roles).makeOptionMandatory())
      .description(
        "Run one worker of a consumer application. Workers of the same application — in this process or on other machines sharing db.url — split the shards between them through leases, take over a crashed worker's shards after coordinator.leaseDurationMs, and hand shards over at once on a graceful stop (Ctrl-C).\n\n" +
          roles.map((r) => `  ${r.padEnd(10)} ${consumerRoles[r]!.description}`).join('\n'),
      );
  return cmd
    .option('--worker-id <id>', 'this worker\'s name in the lease table (default host:pid:random)')
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port, 0 = any free (config metrics.port)', nonNegativeInt)
    .addOption(new Option('--mode <mode>', "how this application reads its shards: polling GetRecords, sharing each shard's 5 calls/s and 2 MiB/s with every other application, or enhanced fan-out, its own 2 MiB/s per shard pushed over HTTP/2 (config consumerMode.<role>; every worker of an application should use the same)").choices(['polling', 'efo']))
    .action(async (opts: { role?: string; workerId?: string; metricsPort?: number; mode?: 'polling' | 'efo' }, c: Command) => {
      const { buildContext } = await import('../context.ts');
      const { startConsumer } = await import('../../consumers/startConsumer.ts');
      const { serveRoleMetrics } = await import('../../metrics/serveRoleMetrics.ts');
      const { workerMetrics } = await import('../../metrics/workerMetrics.ts');
      const roleName = fixedRole ?? opts.role!;
      const ctx = buildContext(io, c.optsWithGlobals(), { 'metrics.port': opts.metricsPort, [`consumerMode.${roleName}`]: opts.mode });
      if (ctx.settings.config.coordinator.holdYoungGeneration) (await import('../../consumers/holdYoungGeneration.ts')).holdYoungGeneration();
      const role = consumerRoles[roleName]!;
      const app = role.appName(ctx.settings);
      const log = ctx.log.child({ role: roleName });
      let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
      const metrics = await serveRoleMetrics(ctx, roleName, () => (consumer ? { ok: true, reasons: [], app, worker: consumer.handle.workerId, shards: consumer.handle.shards() } : { ok: false, reasons: ['starting'] }));
      try {
        const wm = workerMetrics(metrics.registry, app);
        consumer = await startConsumer(ctx.settings, role, log, opts.workerId, wm.observer);
        wm.register(consumer);
        log.info({ app, worker: consumer.handle.workerId, stream: ctx.settings.config.stream.name }, 'consumer started');
        if (!ctx.signal.aborted) await Promise.race([new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true })), consumer.handle.done]);
        await consumer.stop();
        log.info({ counters: consumer.handle.counters }, 'consumer stopped');
      } finally {
        await metrics.close();
      }
    });
}
