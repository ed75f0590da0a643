import type { ArchiveOptions } from './ArchiveProcessor.ts';
import type { Config } from '../config/configSchema.ts';
import type { ConsumerRole } from '../consumers/ConsumerRole.ts';

export function archiveOptionsOf(config: Config): ArchiveOptions {
  const a = config.archive;
  return { prefix: config.s3.prefix, compression: a.compression, gzipLevel: a.gzipLevel, flush: { maxBytes: a.flushBytes, maxRecords: a.flushRecords, maxAgeMs: a.flushAgeMs } };
}

/** `centos consume --role archive`: every record into S3 exactly once (committed through the manifest). */
export const archiveRole: ConsumerRole = {
  name: 'archive',
  description: 'write every record to S3 as JSON Lines objects, exactly once in the committed archive',
  appName: (settings) => settings.config.apps.archive,
  async create({ settings }) {
    // Loaded here, not at start-up: listing the roles (`centos --help`) must not load the S3 SDK.
    const [{ ArchiveProcessor }, { configuredObjectStore }] = await Promise.all([import('./ArchiveProcessor.ts'), import('./s3ObjectStore.ts')]);
    const { config } = settings;
    const { objectStore, close } = configuredObjectStore(config, 'ours');
    const options = archiveOptionsOf(config);
    return {
      processor: (ctx) => new ArchiveProcessor(ctx, options, { objectStore, now: Date.now }),
      async close() {
        close();
      },
    };
  },
};
