import { Command, Option } from 'commander';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { CliIo } from '../context.ts';
import { fraction, isoTime, nonNegativeInt, positiveInt } from '../parseArgs.ts';

const SEEDED_START = Date.parse('2024-01-01T00:00:00Z');

export function generateCommand(io: CliIo): Command {
  return new Command('generate')
    .summary('write files of fake user-activity events into the watch directory')
    .description(
      "Write <files> JSON files of <rows> events each into paths.generated, then rename each atomically into paths.watch, where `centos produce` picks it up. Users come from a fixed pool, so every user has a history; userSeq numbers each user's events. With --seed the output is byte-identical on every run.",
    )
    .argument('<files>', 'number of files to write', positiveInt)
    .argument('<rows>', 'events per file', positiveInt)
    .option('--users <n>', 'size of the user pool events are drawn from', positiveInt, 1000)
    .option('--seed <n>', 'seed for byte-identical output (default: random)', nonNegativeInt)
    .option('--duplicates <fraction>', 'share of rows that repeat an earlier event verbatim (same eventId)', fraction, 0)
    .option('--interval-ms <ms>', 'pause between files', nonNegativeInt, 0)
    .addOption(new Option('--start <time>', 'timestamp of the first event (default: now, or 2024-01-01 with --seed)').argParser(isoTime))
    .addHelpText('after', '\nExample:\n  centos generate 2 10              # the original generateJson.py 2 10\n  centos generate 5 1000 --seed 7 --duplicates 0.05')
    .action(async (files: number, rows: number, opts: { users: number; seed?: number; duplicates: number; intervalMs: number; start?: number }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const { writeGeneratedFiles } = await import('../../generate/writeGeneratedFiles.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { paths } = ctx.settings.config;
      const seed = opts.seed ?? randomInt(0, 2 ** 31);
      const tty = Boolean(ctx.stderr.isTTY);
      const started = performance.now();
      const result = await writeGeneratedFiles({
        files,
        rows,
        users: opts.users,
        seed,
        duplicates: opts.duplicates,
        startMs: opts.start ?? (opts.seed !== undefined ? SEEDED_START : Date.now()),
        intervalMs: opts.intervalMs,
        generatedDir: paths.generated,
        watchDir: paths.watch,
        signal: ctx.signal,
        onFile: ({ index, events, file }) => {
          if (tty) ctx.stderr.write(`\rgenerate: ${index}/${files} files, ${events} events`);
          else ctx.log.debug({ file, index, files }, 'file written');
        },
      });
      if (tty) ctx.stderr.write('\n');
      const secs = (performance.now() - started) / 1000;
      ctx.log.info({ files: result.files.length, events: result.events, seed, watch: path.resolve(paths.watch), seconds: Number(secs.toFixed(3)) }, 'generated');
      for (const f of result.files) ctx.stdout.write(f + '\n');
    });
}
