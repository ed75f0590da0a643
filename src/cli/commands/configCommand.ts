import { Command } from 'commander';
import type { CliIo } from '../context.ts';

export function configCommand(io: CliIo): Command {
  return new Command('config')
    .summary('print the effective configuration (after file, environment and flags)')
    .description('Print the configuration centos would run with, as JSON, secrets removed. Exit 2 if it is invalid.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const { redactUrl } = await import('../../log/createLogger.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config, configFile, secrets } = ctx.settings;
      const shown = {
        ...config,
        db: { ...config.db, url: redactUrl(config.db.url), password: secrets.dbPassword ? '[set in CENTOS_DB_PASSWORD]' : undefined },
      };
      ctx.stdout.write(JSON.stringify({ configFile: configFile ?? null, ...shown }, null, 2) + '\n');
    });
}
