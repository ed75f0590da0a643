import { Command } from 'commander';
import { once } from 'node:events';
import { replayArchive } from '../../archive/replayArchive.ts';
import { s3ObjectStore } from '../../archive/s3ObjectStore.ts';
import { createS3Client } from '../../aws/awsClients.ts';
import { openStore } from '../../store/openStore.ts';
import { buildContext, type CliIo } from '../context.ts';
import { isoTime } from '../parseArgs.ts';

/** `centos replay`: the committed archive's events as JSON Lines on stdout. */
export function replayCommand(io: CliIo): Command {
  return new Command('replay')
    .summary('print the committed archive\'s events as JSON Lines, in shard order')
    .description(
      'Reads the committed archive (manifest in db.url, objects in s3.bucket) and prints each archived event as\n' +
        'one JSON line, shard by shard in stream order. Records that were not valid events are archived raw and\n' +
        'skipped here (counted on stderr). Times filter on the records\' Kinesis arrival time, --from inclusive,\n' +
        '--to exclusive.',
    )
    .option('--shard <id>', 'only this shard')
    .option('--from <time>', 'only records that arrived at or after this ISO-8601 time', isoTime)
    .option('--to <time>', 'only records that arrived before this ISO-8601 time', isoTime)
    .action(async (opts: { shard?: string; from?: number; to?: number }, cmd: Command) => {
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config, secrets } = ctx.settings;
      const store = openStore(config.db.url, secrets.dbPassword ? { password: secrets.dbPassword } : {});
      const s3 = createS3Client(config);
      let skipped = 0;
      try {
        const lines = replayArchive({
          store,
          objectStore: s3ObjectStore(s3, config.s3.bucket, { partSizeBytes: config.archive.multipartThresholdBytes }),
          app: config.apps.archive,
          ...(opts.shard !== undefined ? { shardId: opts.shard } : {}),
          ...(opts.from !== undefined ? { fromMs: opts.from } : {}),
          ...(opts.to !== undefined ? { toMs: opts.to } : {}),
        });
        for await (const line of lines) {
          if (ctx.signal.aborted) break;
          if (line.event === null) {
            skipped++;
            continue;
          }
          if (!ctx.stdout.write(JSON.stringify(line.event) + '\n')) await once(ctx.stdout, 'drain');
        }
        if (skipped > 0) ctx.stderr.write(`centos: ${skipped} archived records were not valid events and are not printed (see the archive objects' "invalid" lines)\n`);
      } finally {
        s3.destroy();
        await store.close();
      }
    });
}
