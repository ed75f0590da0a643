import { Command } from 'commander';
import path from 'node:path';
import { CentosError } from '../../errors.ts';
import { formatProgress } from '../../produce/formatProgress.ts';
import type { CliIo } from '../context.ts';
import type { ProducerInput } from '../../produce/runProducer.ts';

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
      const { buildContext } = await import('../context.ts');
      const [{ createKinesisClient, kinesisEndpoint }, { KinesisProducer }, { kinesisPortFrom }, { createProducerCounters }, { runProducer }] = await Promise.all([
        import('../../aws/awsClients.ts'),
        import('../../produce/KinesisProducer.ts'),
        import('../../produce/KinesisPort.ts'),
        import('../../produce/ProducerCounters.ts'),
        import('../../produce/runProducer.ts'),
      ]);
      const ctx = buildContext(io, cmd.optsWithGlobals(), {
        'producer.aggregation': opts.aggregation === false ? false : undefined,
        'stream.name': opts.stream,
      });
      const { config } = ctx.settings;
      const log = ctx.log.child({ component: 'produce' });
      const counters = createProducerCounters();
      const client = createKinesisClient(config, { maxAttempts: 1, maxSockets: config.producer.maxConcurrentCalls + 2 });
      const producer = new KinesisProducer(
        { ...config.producer, streamName: config.stream.name, endpoint: kinesisEndpoint(config) },
        { kinesis: kinesisPortFrom(client), counters, log },
      );
      const input: ProducerInput = opts.file?.length ? { kind: 'files', files: opts.file, readStdin } : opts.once ? { kind: 'once' } : { kind: 'watch' };
      let progress: NodeJS.Timeout | undefined;
      const started = performance.now();
      try {
        await producer.start();
        log.info({ stream: config.stream.name, watch: input.kind === 'files' ? undefined : path.resolve(config.paths.watch), aggregation: config.producer.aggregation, strictOrder: config.producer.strictOrder }, 'producing');
        if (ctx.stderr.isTTY) {
          let prev = 0;
          let prevAt = performance.now();
          progress = setInterval(() => {
            const t = performance.now();
            ctx.stderr.write('\r' + formatProgress(counters, prev, t - prevAt, counters.filesRead - counters.filesDone - counters.filesFailed) + '\x1b[K');
            prev = counters.eventsAcked;
            prevAt = t;
          }, 500);
          progress.unref();
        }
        const result = await runProducer({
          producer,
          counters,
          paths: config.paths,
          input,
          rescanMs: config.producer.rescanMs,
          retryFailedFileMs: config.producer.recordTtlMs,
          shutdownTimeoutMs: config.producer.shutdownTimeoutMs,
          signal: ctx.signal,
          log,
        });
        if (progress) ctx.stderr.write('\n');
        const secs = (performance.now() - started) / 1000;
        log.info(
          {
            filesDone: result.filesDone,
            filesRejected: result.filesRejected,
            filesIncomplete: result.filesIncomplete.length,
            events: counters.eventsAcked,
            records: counters.recordsPut,
            calls: counters.putCalls,
            retries: counters.retries,
            throttled: counters.throttled,
            deadLetters: counters.eventsDeadLettered + counters.eventsInvalid,
            seconds: Number(secs.toFixed(3)),
          },
          'produce finished',
        );
        if (result.filesIncomplete.length > 0 && !ctx.signal.aborted) {
          throw new CentosError(`${result.filesIncomplete.length} file(s) not fully acknowledged (${result.filesIncomplete.map((f) => path.basename(f)).join(', ')}); see ${config.paths.deadLetters}`);
        }
      } finally {
        clearInterval(progress);
        producer.close();
        client.destroy();
      }
    });
}
