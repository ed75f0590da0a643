import { createS3Client } from '../aws/awsClients.ts';
import { ArchiveProcessor, type ArchiveOptions } from '../archive/ArchiveProcessor.ts';
import { s3ObjectStore } from '../archive/s3ObjectStore.ts';
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
