import { Command } from 'commander';
import { CentosError, UsageError } from '../../errors.ts';
import type { CliIo } from '../context.ts';
import { port, positiveInt } from '../parseArgs.ts';

export function demoCommand(io: CliIo): Command {
  return new Command('demo')
    .summary('run the whole pipeline on the embedded stack and print the dashboard URL')
    .description(
      [
        "Start the embedded Kinesis and S3, run setup, then — as separate processes of this binary — a continuous generator (a file every 2 s, 5 % duplicates), the producer, two dashboard workers and an archive worker (sharing shards through leases), the scheduler and the web dashboard. Prints the URL. Ctrl-C stops it all. With --duration it drains the pipeline at the end and audits it (exit 1 on any violation).",
        "Kinesis is the faithful local mode (see `centos local --help`): AWS per-shard read and write limits, quotas, expiring iterators and shards; with --chaos the stream also splits and merges shards on its own.",
      ].join('\n\n'),
    )
    .option('--duration <seconds>', 'run this long, then drain, audit and exit', positiveInt)
    .option('--chaos', 'kill -9 and restart a random worker every few seconds; the stream reshards on its own (on-demand)')
    .option('--no-faithful', 'plain kinesalite instead of the faithful local Kinesis (no read limits, quotas or expiry)')
    .option('--efo', 'the dashboard and archive workers read by enhanced fan-out (SubscribeToShard), each application with its own 2 MiB/s per shard')
    .option('--db <url>', 'use this database instead of SQLite (e.g. mysql://root@127.0.0.1:3306/test)')
    .option('--dir <dir>', 'where the demo keeps its files (wiped at start)', '.centos/demo')
    .option('--port <port>', 'dashboard port (config server.port)', port)
    .action(async (opts: { duration?: number; chaos?: boolean; faithful: boolean; efo?: boolean; db?: string; dir: string; port?: number }, cmd: Command) => {
      if (opts.efo && !opts.faithful) throw new UsageError(['--efo needs the faithful local Kinesis (kinesalite has no enhanced fan-out): drop --no-faithful']);
      const { buildContext } = await import('../context.ts');
      const { runDemo } = await import('../../demo/runDemo.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals(), { 'db.url': opts.db, 'server.port': opts.port });
      const r = await runDemo({
        dir: opts.dir,
        port: ctx.settings.config.server.port,
        ...(opts.duration ? { durationS: opts.duration } : {}),
        chaos: Boolean(opts.chaos),
        faithful: opts.faithful,
        efo: Boolean(opts.efo),
        ...(opts.db ? { dbUrl: opts.db } : {}),
        log: ctx.log,
        signal: ctx.signal,
        out: (line) => ctx.stdout.write(line + '\n'),
      });
      if (!r.ok) throw new CentosError('the demo\'s audit found violations', { exitCode: 1 });
    });
}
