import { Command, CommanderError, Option } from 'commander';
import { CentosError, ServiceError, UsageError } from '../errors.ts';
import { auditCommand } from './commands/auditCommand.ts';
import { archivedCommand } from './commands/archivedCommand.ts';
import { configCommand } from './commands/configCommand.ts';
import { demoCommand } from './commands/demoCommand.ts';
import { consumeCommand } from './commands/consumeCommand.ts';
import { consumerRoles } from '../consumers/consumerRoles.ts';
import { generateCommand } from './commands/generateCommand.ts';
import { localCommand } from './commands/localCommand.ts';
import { scheduleCommand } from './commands/scheduleCommand.ts';
import { produceCommand } from './commands/produceCommand.ts';
import { serveCommand } from './commands/serveCommand.ts';
import { replayCommand } from './commands/replayCommand.ts';
import { resetLeasesCommand } from './commands/resetLeasesCommand.ts';
import { consumersCommand } from './commands/consumersCommand.ts';
import { setupCommand } from './commands/setupCommand.ts';
import { statusCommand } from './commands/statusCommand.ts';
import type { CliIo } from './context.ts';
import { useHelpLayout } from './helpLayout.ts';
import { version } from './version.ts';

export function buildProgram(io: CliIo): Command {
  const program = new Command('centos')
    .description('A complete, correct Kinesis pipeline: generate → produce → consume (archive to S3, dashboard in MySQL).')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'config file (default: $CENTOS_CONFIG, else ./centos.json if present)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nConfiguration: defaults < config file < CENTOS_* environment < flags. See config.example.json.');
  for (const make of [generateCommand, produceCommand, setupCommand, scheduleCommand, serveCommand, statusCommand, resetLeasesCommand, consumersCommand, auditCommand, localCommand, demoCommand, configCommand]) program.addCommand(make(io));
  // Consumers appear only once a role works.
  if (Object.keys(consumerRoles).length > 0) program.addCommand(consumeCommand(io));
  if (consumerRoles.archive) program.addCommand(consumeCommand(io, 'archive', 'archive'));
  if (consumerRoles.archive) for (const make of [archivedCommand, replayCommand]) program.addCommand(make(io));
  if (consumerRoles.dashboard) program.addCommand(consumeCommand(io, 'dashboard', 'dashboard-consume'));
  for (const cmd of [program, ...program.commands]) {
    useHelpLayout(cmd);
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}

/** Runs the CLI and returns the exit code; never exits the process itself. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  const debug = argv.includes('debug') || argv.includes('trace') || io.env.CENTOS_LOG_LEVEL === 'debug';
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      for (const p of err.problems) io.stderr.write(`centos: ${p}\n`);
      return 2;
    }
    if (err instanceof ServiceError) {
      io.stderr.write(`centos: cannot reach ${err.message}\n`);
    } else if (err instanceof CentosError) {
      io.stderr.write(`centos: ${err.message}\n`);
    } else {
      io.stderr.write(`centos: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    if (debug && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
    return err instanceof CentosError ? err.exitCode : 1;
  }
}
