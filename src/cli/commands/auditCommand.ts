import { Command, Option } from 'commander';
import type { CliIo } from '../context.ts';

export function auditCommand(io: CliIo): Command {
  return new Command('audit')
    .summary('prove the pipeline kept its promises: reconcile input files with the dashboard DB and the S3 archive')
    .description(
      [
        "Read every event file in --input (default paths.done) in the producer's order and check:\n- the dashboard DB: each distinct eventId stored exactly once, with the same fields, each user's events applied in input order;\n- the committed S3 archive: every input event present, every stream position committed once, each shard's records in order (with --stream: every record now in the stream is archived);\n- with --stream, the stream itself as a KCL application reads it (paced within coordinator.readShare of the read limits, throttling ridden out): sub-records outside their shard's hash range dropped and counted (copies the producer re-sent are expected), then every input event present, each user's events in input order when parents are read before children, and no user on two shards read side by side.",
        "Run it once the consumers have caught up. Exit 0 when clean, 1 on any violation.",
      ].join('\n\n'),
    )
    .option('--input <dir>', 'directory of input files (default: paths.done)')
    .addOption(new Option('--only <part>', 'check only one side').choices(['dashboard', 'archive']))
    .option('--stream', 'also read the stream as a KCL application does and check it (and that the archive holds all of it)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { input?: string; only?: 'dashboard' | 'archive'; stream?: boolean; json?: boolean }, cmd: Command) => {
      const { formatAudit, runAudit } = await import('../../audit/runAudit.ts');
      const { CentosError } = await import('../../errors.ts');
      const { buildContext } = await import('../context.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const report = await runAudit(ctx.settings, {
        inputDir: opts.input ?? ctx.settings.config.paths.done,
        dashboard: opts.only !== 'archive',
        archive: opts.only !== 'dashboard',
        stream: Boolean(opts.stream),
        log: ctx.log,
      });
      ctx.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatAudit(report).join('\n') + '\n');
      if (!report.ok) throw new CentosError('audit found violations', { exitCode: 1 });
    });
}
