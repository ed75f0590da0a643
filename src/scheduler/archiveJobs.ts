import { cleanupArchiveOrphans } from '../archive/cleanupArchiveOrphans.ts';
import type { ObjectStore } from '../archive/ObjectStore.ts';
import type { Config } from '../config/configSchema.ts';
import type { Job } from './runScheduler.ts';

/** Deletes archive objects no worker can commit any more (crashed or fenced-off uploads). */
export function archiveJobs(config: Config, objectStore: ObjectStore): Job[] {
  return [
    {
      name: 'archive-cleanup',
      everyMs: Math.max(60_000, Math.floor(config.archive.orphanGraceMs / 3)),
      async run(ctx) {
        const r = await cleanupArchiveOrphans({ store: ctx.store, objectStore, app: config.apps.archive, prefix: config.s3.prefix, graceMs: config.archive.orphanGraceMs, now: () => ctx.now, log: ctx.log });
        if (r.deleted.length > 0) ctx.log.info({ deleted: r.deleted.length, kept: r.kept, scanned: r.scanned }, 'archive orphans deleted');
      },
    },
  ];
}
