import type { ArchiveOptions } from '../archive/ArchiveProcessor.ts';
import type { Config } from '../config/configSchema.ts';
import type { ConsumerRole } from './consumerRoles.ts';

export function archiveOptionsOf(config: Config): ArchiveOptions {
  const a = config.archive;
  return { prefix: config.s3.prefix, compression: a.compression, flush: { maxBytes: a.flushBytes, maxRecords: a.flushRecords, maxAgeMs: a.flushAgeMs } };
}

/** `centos consume --role archive`: every record into S3 exactly once (committed through the manifest). */
export const archiveRole: ConsumerRole = {
  description: 'write every record to S3 as JSON Lines objects, exactly once in the committed archive',
  appName: (settings) => settings.config.apps.archive,
  async create({ settings }) {
    // Loaded here, not at start-up: listing the roles (`centos --help`) must not load the S3 SDK.
    const [{ createS3Client }, { ArchiveProcessor }, { s3ObjectStore }] = await Promise.all([import('../aws/awsClients.ts'), import('../archive/ArchiveProcessor.ts'), import('../archive/s3ObjectStore.ts')]);
    const { config } = settings;
    const s3 = createS3Client(config);
    const objectStore = s3ObjectStore(s3, config.s3.bucket, { partSizeBytes: config.archive.multipartThresholdBytes });
    const options = archiveOptionsOf(config);
    return {
      processor: (ctx) => new ArchiveProcessor(ctx, options, { objectStore, now: Date.now }),
      async close() {
        s3.destroy();
      },
    };
  },
};
