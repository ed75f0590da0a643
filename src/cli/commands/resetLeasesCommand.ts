import { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { CliIo } from '../context.ts';

/** `centos reset-leases --app NAME --yes`: start an application over after its stream was re-created. */
export function resetLeasesCommand(io: CliIo): Command {
  return new Command('reset-leases')
    .summary("forget a consumer application's leases and checkpoints (after the stream was re-created)")
    .description(
      "Deletes the application's lease rows (with their checkpoints), its worker rows and the record of which stream they belong to, so its next worker starts on the stream as it is now (stream.initialPosition for shards without a parent). Consumers refuse to start on a stream deleted and re-created under the same name and name this command. Stop the application's workers first; it refuses while any still heartbeats. The dashboard de-duplicates by eventId and the archive keeps what it committed, so nothing is applied twice.",
    )
    .requiredOption('--app <name>', 'the consumer application (apps.archive or apps.dashboard)')
    .option('--yes', 'really delete (without it, nothing is changed)')
    .action(async (opts: { app: string; yes?: boolean }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ resetLeases }, { openConfiguredStore }] = await Promise.all([import('../../coordinator/resetLeases.ts'), import('../../store/openStore.ts')]);
      const ctx = buildContext(io, cmd.optsWithGlobals());
      if (!opts.yes) throw new UsageError([`reset-leases deletes every lease and checkpoint of ${opts.app}; add --yes to do it`]);
      const store = openConfiguredStore(ctx.settings);
      try {
        const r = await resetLeases(store, opts.app, Date.now(), ctx.settings.config.coordinator.leaseDurationMs);
        ctx.stdout.write(`${opts.app}: deleted ${r.leases} lease(s) and ${r.workers} worker row(s); its next worker starts on the stream as it is now\n`);
      } finally {
        await store.close();
      }
    });
}
