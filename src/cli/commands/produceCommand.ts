import { Command } from 'commander';
import type { ProducerInput } from '../../produce/runProducer.ts';
import type { CliIo } from '../context.ts';
import { nonNegativeInt } from '../parseArgs.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function produceCommand(io: CliIo): Command {
  return new Command('produce')
    .summary('send every event in the watch directory to Kinesis, in per-user order, losing none')
    .description(
      [
        "Watch paths.watch and send each file's events to the stream (partition key = userid), KPL-aggregated per shard, rate-limited per shard, retried until acknowledged.",
        'How files are picked up: a file is read once it has settled — its size and mtime unchanged for producer.settleMs (default 1 s) and, on Linux, no process holding it open for writing. Names that mark a file in progress are skipped: a leading ".", and .tmp, .temp, .part, .partial, .filepart, .crdownload, .download, .swp or a trailing "~". A file that ends mid-record (a JSON array without its end, a last line cut short) is waited for up to producer.incompleteWaitMs (default 60 s) in case its writer comes back. The fastest way in is to write the file elsewhere on the same file system and rename it into paths.watch.',
        'When a file counts as done: every event in it is acknowledged by Kinesis, the file is still exactly what was read (same inode, size, mtime and SHA-256; if it changed, it is read again from the start and the events already sent are duplicates the consumers drop), and the move into paths.done succeeded and was fsynced (across file systems: copy, fsync, rename, then remove the source). Until then the file stays in paths.watch.',
        'Unreadable files go to paths.rejected with a .error.txt; invalid records (including records with fields centos does not know) go to paths.deadLetters with the reason while the rest is sent; an empty file goes to paths.done with a .note.txt. A file that cannot be moved, or whose dead letters cannot be written, stays where it is: the log names the path, the config key and the reason, and --once exits 1. Ctrl-C sends what is in flight and leaves unfinished files in place.',
      ].join('\n\n'),
    )
    .option('--once', 'send what is in paths.watch now, then exit')
    .option('--file <file>', 'send this file once and exit (not moved); "-" reads stdin; repeatable', (v: string, acc: string[] = []) => [...acc, v])
    .option('--no-aggregation', 'one event per Kinesis record (config producer.aggregation)')
    .option('--stream <name>', 'stream name (config stream.name)')
    .option('--metrics-port <n>', 'serve /metrics and /healthz on this port, 0 = any free (config metrics.port)', nonNegativeInt)
    .option('--settle-ms <ms>', 'quiet period before a file is read (config producer.settleMs; 0 when every writer renames complete files in)', nonNegativeInt)
    .addHelpText('after', '\nExamples:\n  centos generate 5 1000 && centos produce --once\n  centos produce --file events.jsonl\n  cat events.jsonl | centos produce --file -')
    .action(async (opts: { once?: boolean; file?: string[]; aggregation: boolean; stream?: string; settleMs?: number; metricsPort?: number }, cmd: Command) => {
      const { produceInput } = await import('../../produce/produceInput.ts');
      const { buildContext } = await import('../context.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals(), {
        'producer.aggregation': opts.aggregation === false ? false : undefined,
        'stream.name': opts.stream,
        'producer.settleMs': opts.settleMs,
        'metrics.port': opts.metricsPort,
      });
      const { serveRoleMetrics } = await import('../../metrics/serveRoleMetrics.ts');
      const health = { check: () => ({ ok: true, reasons: [] as string[] }) };
      const metrics = await serveRoleMetrics(ctx, 'produce', () => health.check());
      const input: ProducerInput = opts.file?.length ? { kind: 'files', files: opts.file, readStdin } : opts.once ? { kind: 'once' } : { kind: 'watch' };
      try {
        await produceInput(ctx.settings, input, { log: ctx.log, signal: ctx.signal, progressTo: ctx.stderr, metrics: { registry: metrics.registry, health } });
      } finally {
        await metrics.close();
      }
    });
}
