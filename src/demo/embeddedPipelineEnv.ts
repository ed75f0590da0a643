import path from 'node:path';
import type { LocalStack } from '../local/startLocalStack.ts';

export interface EmbeddedPipelineEnvInput {
  stack: Pick<LocalStack, 'kinesisEndpoint' | 's3Endpoint'>;
  dir: string;
  dbUrl: string;
  /** Stream and bucket name. */
  name: string;
  shards: number;
  archiveFlushAgeMs: number;
  extra?: NodeJS.ProcessEnv;
}

/**
 * The environment every child process of `demo` and `chaos` runs with: the embedded endpoints,
 * one stream, bucket and DB, directories under `dir`, and short leases so hand-overs are quick.
 */
export function embeddedPipelineEnv(o: EmbeddedPipelineEnvInput): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_KINESIS: o.stack.kinesisEndpoint,
    AWS_ENDPOINT_URL_S3: o.stack.s3Endpoint,
    CENTOS_DB_URL: o.dbUrl,
    CENTOS_STREAM_NAME: o.name,
    CENTOS_STREAM_SHARDS: String(o.shards),
    CENTOS_S3_BUCKET: o.name,
    CENTOS_PATHS_GENERATED: path.join(o.dir, 'generated'),
    CENTOS_PATHS_WATCH: path.join(o.dir, 'watch'),
    CENTOS_PATHS_DONE: path.join(o.dir, 'done'),
    CENTOS_PATHS_REJECTED: path.join(o.dir, 'rejected'),
    CENTOS_PATHS_DEAD_LETTERS: path.join(o.dir, 'dead-letters'),
    CENTOS_COORDINATOR_LEASE_DURATION_MS: '5000',
    CENTOS_COORDINATOR_RENEW_INTERVAL_MS: '1000',
    CENTOS_COORDINATOR_TAKE_INTERVAL_MS: '500',
    CENTOS_ARCHIVE_FLUSH_AGE_MS: String(o.archiveFlushAgeMs),
    CENTOS_ARCHIVE_ORPHAN_GRACE_MS: '30000',
    CENTOS_LOG_LEVEL: 'info',
    ...o.extra,
  };
}
