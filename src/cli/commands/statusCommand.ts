import { Command } from 'commander';
import { setTimeout as delay } from 'node:timers/promises';
import type { CliIo } from '../context.ts';
import { nonNegativeInt } from '../parseArgs.ts';

export function statusCommand(io: CliIo): Command {
  return new Command('status')
    .summary('show who owns which shard, checkpoints, lag and live workers')
    .description(
      "Per consumer application and shard: state (active, waiting for its parents, ended), owner and whether its lease is live, lease epoch, checkpoint (sequence/sub-sequence), milliseconds behind the stream tip, parents. Then the workers with their last heartbeat. Reads the lease table in db.url.",
    )
    .option('--app <name>', 'only this consumer application')
    .option('--json', 'print JSON')
    .option('--watch [seconds]', 'refresh every N seconds (default 2) until Ctrl-C', nonNegativeInt)
    .action(async (opts: { app?: string; json?: boolean; watch?: number | true }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ formatStatus, readStatus }, { openConfiguredStore }] = await Promise.all([import('../../coordinator/readStatus.ts'), import('../../store/openStore.ts')]);
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config } = ctx.settings;
      const store = openConfiguredStore(ctx.settings);
      try {
        const every = opts.watch === undefined ? 0 : opts.watch === true ? 2 : Math.max(1, opts.watch);
        do {
          const s = await readStatus(store, config.coordinator.leaseDurationMs, opts.app);
          const text = opts.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s);
          if (every && ctx.stdout.isTTY) ctx.stdout.write('\x1b[2J\x1b[H' + `centos status — ${s.at}\n\n`);
          ctx.stdout.write(text);
          if (every) await delay(every * 1000, undefined, { signal: ctx.signal }).catch(() => undefined);
        } while (every && !ctx.signal.aborted);
      } finally {
        await store.close();
      }
    });
}
