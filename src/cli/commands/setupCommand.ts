import { Command } from 'commander';
import type { CliIo } from '../context.ts';

export function setupCommand(io: CliIo): Command {
  return new Command('setup')
    .summary('create the stream, the bucket and the database schema (idempotent)')
    .description(
      "Create what the configuration names, if missing: the Kinesis stream (stream.shards, waits until ACTIVE), the S3 bucket, and the database schema (versioned migrations). Running it twice changes nothing. It never reshards an existing stream. Exit 1 names the service that could not be reached.",
    )
    .option('--json', 'print the result as JSON')
    .option('--skip-stream', 'do not touch Kinesis')
    .option('--skip-bucket', 'do not touch S3')
    .option('--skip-db', 'do not touch the database')
    .action(async (opts: { json?: boolean; skipStream?: boolean; skipBucket?: boolean; skipDb?: boolean }, cmd: Command) => {
      const { buildContext } = await import('../context.ts');
      const { runSetup } = await import('../../setup/runSetup.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const r = await runSetup(ctx.settings, {
        log: ctx.log,
        skip: { stream: Boolean(opts.skipStream), bucket: Boolean(opts.skipBucket), db: Boolean(opts.skipDb) },
      });
      if (opts.json) {
        ctx.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const lines: string[] = [];
      if (r.target) lines.push(`target  region ${r.target.region}, account ${r.target.account ?? 'unknown'}`);
      if (r.stream) {
        const s = r.stream;
        lines.push(`stream  ${s.name}: ${s.created ? 'created' : 'exists'}, ${s.status}, ${s.openShards} open shard(s), retention ${s.retentionHours} h`);
      }
      if (r.bucket) lines.push(`bucket  ${r.bucket.name}: ${r.bucket.created ? 'created' : 'exists'}`);
      if (r.db) {
        const applied = r.db.applied.length ? `applied migration(s) ${r.db.applied.join(', ')}` : 'up to date';
        lines.push(`db      ${r.db.url}: ${applied}, schema version ${r.db.current}`);
      }
      ctx.stdout.write(lines.join('\n') + '\n');
    });
}
