import { Command } from 'commander';
import path from 'node:path';
import { CentosError } from '../../errors.ts';
import type { CliIo } from '../context.ts';

export function auditCommand(io: CliIo): Command {
  return new Command('audit')
    .summary('prove the pipeline kept its promises: reconcile input files with the dashboard DB')
    .description(
      'Read every event file in --input (default paths.done) in the producer\'s order and check the dashboard DB:\n' +
        'each distinct eventId stored exactly once, with the same fields, and each user\'s events applied in input\n' +
        'order. Run it once the consumers have caught up. Exit 0 when clean, 1 on any violation.',
    )
    .option('--input <dir>', 'directory of input files (default: paths.done)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { input?: string; json?: boolean }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const [{ auditDashboard }, { readInputEvents }, { openStore }, { isMissingTable }] = await Promise.all([
        import('../../audit/auditDashboard.ts'),
        import('../../audit/readInputEvents.ts'),
        import('../../store/openStore.ts'),
        import('../../store/StoreError.ts'),
      ]);
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config, secrets } = ctx.settings;
      const dir = path.resolve(opts.input ?? config.paths.done);
      const input = await readInputEvents(dir).catch((err: NodeJS.ErrnoException) => {
        throw new CentosError(`cannot read input directory ${dir}: ${err.code ?? err.message}`, { exitCode: 2 });
      });
      const store = openStore(config.db.url, secrets.dbPassword ? { password: secrets.dbPassword } : {});
      let dashboard;
      try {
        dashboard = await auditDashboard(store, input.events);
      } catch (err) {
        if (isMissingTable(err)) throw new CentosError(`database ${store.description} has no centos schema yet; run \`centos setup\` first`);
        throw err;
      } finally {
        await store.close();
      }
      const violations = dashboard.missing + dashboard.duplicated + dashboard.orderViolations + dashboard.fieldMismatches;
      const report = { ok: violations === 0, input: { dir, files: input.files, records: input.records, distinctEvents: input.events.size, invalidRecords: input.invalid, unreadableFiles: input.unreadable }, dashboard };
      if (opts.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        ctx.stdout.write(
          [
            `input      ${dir}: ${input.files} files, ${input.records} records, ${input.events.size} distinct events, ${input.invalid} invalid (dead letters)${input.unreadable.length ? `, ${input.unreadable.length} unreadable` : ''}`,
            `dashboard  found ${dashboard.found}/${dashboard.expected} · missing ${dashboard.missing} · duplicated ${dashboard.duplicated} · out of order ${dashboard.orderViolations} · fields differ ${dashboard.fieldMismatches}`,
            ...dashboard.examples.map((e) => `  ${e}`),
            report.ok ? 'OK: every event exactly once, in per-user order.' : `FAILED: ${violations} violation(s).`,
          ].join('\n') + '\n',
        );
      }
      if (!report.ok) throw new CentosError('audit found violations', { exitCode: 1 });
    });
}
