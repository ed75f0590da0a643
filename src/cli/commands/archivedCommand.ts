import { Command } from 'commander';
import { formatPosition } from '../../kinesis/position.ts';
import type { ManifestEntry } from '../../archive/ArchiveManifest.ts';
import type { CliIo } from '../context.ts';

function formatArchived(entries: ManifestEntry[]): string {
  const rows = entries.map((e) => [e.shardId, formatPosition({ ...e.first, last: true }), formatPosition({ ...e.last, last: true }), String(e.records), String(e.bytes), new Date(e.committedAt).toISOString(), e.key]);
  const head = ['SHARD', 'FIRST', 'LAST', 'RECORDS', 'BYTES', 'COMMITTED', 'KEY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const records = entries.reduce((n, e) => n + e.records, 0);
  const bytes = entries.reduce((n, e) => n + e.bytes, 0);
  return [line(head), ...rows.map(line), `${entries.length} objects, ${records} records, ${bytes} bytes`].join('\n') + '\n';
}

/** `centos archived`: the committed archive objects, from the manifest. */
export function archivedCommand(io: CliIo): Command {
  return new Command('archived')
    .summary('list the committed archive objects (shard, record range, records, bytes, key)')
    .description(
      "Lists the objects of the committed S3 archive from the manifest in db.url, in shard order. Only objects with a manifest row belong to the archive; uncommitted objects of crashed or fenced-off workers are not listed.",
    )
    .option('--shard <id>', 'only this shard')
    .option('--json', 'print JSON')
    .action(async (opts: { shard?: string; json?: boolean }, cmd: Command) => {
      const { ArchiveManifest } = await import('../../archive/ArchiveManifest.ts');
      const { openConfiguredStore } = await import('../../store/openStore.ts');
      const { buildContext } = await import('../context.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config } = ctx.settings;
      const store = openConfiguredStore(ctx.settings);
      try {
        const entries = await new ArchiveManifest(store).list(config.apps.archive, opts.shard ? { shardId: opts.shard } : {});
        ctx.stdout.write(opts.json ? JSON.stringify({ bucket: config.s3.bucket, objects: entries }, null, 2) + '\n' : formatArchived(entries));
      } finally {
        await store.close();
      }
    });
}
