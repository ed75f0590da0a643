import { Command, Option } from 'commander';
import { consumerRoles } from '../../consumers/consumerRoles.ts';
import type { CliIo } from '../context.ts';

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
        'Run one worker of a consumer application. Workers of the same application — in this process or on other\n' +
          'machines sharing db.url — split the shards between them through leases, take over a crashed worker\'s\n' +
          'shards after coordinator.leaseDurationMs, and hand shards over at once on a graceful stop (Ctrl-C).\n\n' +
          roles.map((r) => `  ${r.padEnd(10)} ${consumerRoles[r]!.description}`).join('\n'),
      );
  return cmd.option('--worker-id <id>', 'this worker\'s name in the lease table (default host:pid:random)').action(async (opts: { role?: string; workerId?: string }, c: Command) => {
    const { buildContext } = await import('../context.ts');
    const { startConsumer } = await import('../../consumers/startConsumer.ts');
    const ctx = buildContext(io, c.optsWithGlobals());
    const roleName = fixedRole ?? opts.role!;
    const role = consumerRoles[roleName]!;
    const log = ctx.log.child({ role: roleName });
    const consumer = await startConsumer(ctx.settings, role, log, opts.workerId);
    log.info({ app: role.appName(ctx.settings), worker: consumer.handle.workerId, stream: ctx.settings.config.stream.name }, 'consumer started');
    if (!ctx.signal.aborted) await Promise.race([new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true })), consumer.handle.done]);
    await consumer.stop();
    log.info({ counters: consumer.handle.counters }, 'consumer stopped');
  });
}
