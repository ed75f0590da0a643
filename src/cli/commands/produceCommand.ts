import { Command } from 'commander';
import type { ProducerInput } from '../../produce/runProducer.ts';
import type { CliIo } from '../context.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function produceCommand(io: CliIo): Command {
  return new Command('produce')
    .summary('send every event in the watch directory to Kinesis, in per-user order, losing none')
    .description(
      'Watch paths.watch and send each file\'s events to the stream (partition key = userid), KPL-aggregated per\n' +
        'shard, rate-limited per shard, retried until acknowledged. A file moves to paths.done only after every\n' +
        'event in it is acknowledged; unreadable files go to paths.rejected with a .error.txt; invalid records go to\n' +
        'paths.deadLetters while the rest is sent. Ctrl-C sends what is in flight and leaves unfinished files in place.',
    )
    .option('--once', 'send what is in paths.watch now, then exit')
    .option('--file <file>', 'send this file once and exit (not moved); "-" reads stdin; repeatable', (v: string, acc: string[] = []) => [...acc, v])
    .option('--no-aggregation', 'one event per Kinesis record (config producer.aggregation)')
    .option('--stream <name>', 'stream name (config stream.name)')
    .addHelpText('after', '\nExamples:\n  centos generate 5 1000 && centos produce --once\n  centos produce --file events.jsonl\n  cat events.jsonl | centos produce --file -')
    .action(async (opts: { once?: boolean; file?: string[]; aggregation: boolean; stream?: string }, cmd: Command) => {
      const { produceInput } = await import('../../produce/produceInput.ts');
      const { buildContext } = await import('../context.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals(), {
        'producer.aggregation': opts.aggregation === false ? false : undefined,
        'stream.name': opts.stream,
      });
      const input: ProducerInput = opts.file?.length ? { kind: 'files', files: opts.file, readStdin } : opts.once ? { kind: 'once' } : { kind: 'watch' };
      await produceInput(ctx.settings, input, { log: ctx.log, signal: ctx.signal, progressTo: ctx.stderr });
    });
}
