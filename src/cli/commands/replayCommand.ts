import { Command } from 'commander';
import { isoTime } from '../parseArgs.ts';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CliIo } from '../context.ts';

const SPOOL_EVENTS = 50_000;

/** `centos replay`: the committed archive's events as JSON Lines on stdout. */
export function replayCommand(io: CliIo): Command {
  return new Command('replay')
    .summary('print the committed archive\'s events as JSON Lines in shard order, or --produce them back into the stream')
    .description(
      "Reads the committed archive (manifest in db.url, objects in s3.bucket) and prints each archived event as one JSON line, shard by shard in stream order. Records that were not valid events are archived raw and skipped here (counted on stderr). Times filter on the records' Kinesis arrival time, --from inclusive, --to exclusive.\n\nA replayed event keeps its eventId, so the dashboard applies it only if it is not stored already (delete the affected rows first to re-apply them after a downstream bug).",
    )
    .option('--shard <id>', 'only this shard')
    .option('--from <time>', 'only records that arrived at or after this ISO-8601 time', isoTime)
    .option('--to <time>', 'only records that arrived before this ISO-8601 time', isoTime)
    .option('--produce', 'send the events back into the stream through the producer (backfill) instead of printing them')
    .action(async (opts: { shard?: string; from?: number; to?: number; produce?: boolean }, cmd: Command) => {
      const { produceInput } = await import('../../produce/produceInput.ts');
      const { replayArchive } = await import('../../archive/replayArchive.ts');
      const { configuredObjectStore } = await import('../../archive/s3ObjectStore.ts');
      const { openConfiguredStore } = await import('../../store/openStore.ts');
      const { buildContext } = await import('../context.ts');
      const ctx = buildContext(io, cmd.optsWithGlobals());
      const { config } = ctx.settings;
      const store = openConfiguredStore(ctx.settings);
      const s3 = configuredObjectStore(config);
      let skipped = 0;
      let batch: string[] = [];
      const files: string[] = [];
      const spool = opts.produce ? await mkdtemp(path.join(tmpdir(), 'centos-replay-')) : undefined;
      const flush = async () => {
        if (!spool || batch.length === 0) return;
        const file = path.join(spool, `replay-${String(files.length + 1).padStart(6, '0')}.jsonl`);
        await writeFile(file, batch.join('\n') + '\n');
        files.push(file);
        batch = [];
      };
      try {
        const lines = replayArchive({
          store,
          objectStore: s3.objectStore,
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
          if (spool) {
            batch.push(JSON.stringify(line.event));
            if (batch.length >= SPOOL_EVENTS) await flush();
          } else if (!ctx.stdout.write(JSON.stringify(line.event) + '\n')) await once(ctx.stdout, 'drain');
        }
        await flush();
        if (spool && files.length > 0 && !ctx.signal.aborted) {
          // Spooled in files of bounded size, then sent in order: per-user order is kept, nothing is lost.
          const { counters } = await produceInput(ctx.settings, { kind: 'files', files, readStdin: async () => '' }, { log: ctx.log, signal: ctx.signal, progressTo: ctx.stderr });
          ctx.stdout.write(`replayed ${counters.eventsAcked} events into stream ${config.stream.name}\n`);
        }
        if (skipped > 0) ctx.stderr.write(`centos: ${skipped} archived records were not valid events and are not printed (see the archive objects' "invalid" lines)\n`);
      } finally {
        if (spool) await rm(spool, { recursive: true, force: true });
        s3.close();
        await store.close();
      }
    });
}
