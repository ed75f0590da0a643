import { createKinesisClient, createS3Client, isLocalEndpoint, kinesisEndpoint, s3Endpoint } from '../aws/awsClients.ts';
import type { Settings } from '../config/loadConfig.ts';
import { ServiceError } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import { migrate, type MigrateResult } from '../store/migrate.ts';
import { openMysqlStore, parseMysqlUrl } from '../store/mysqlStore.ts';
import { openConfiguredStore } from '../store/openStore.ts';
import { policies, retry, type RetryPolicy } from '../util/retry.ts';
import { ensureBucket } from './ensureBucket.ts';
import { ensureStream, type EnsureStreamResult } from './ensureStream.ts';

export interface SetupResult {
  /** Where setup acted: the region the SDK resolved and the account that owns the stream. */
  target?: { region: string; account?: string };
  stream: EnsureStreamResult & { name: string };
  bucket: { name: string; created: boolean };
  db: MigrateResult & { url: string; databaseCreated?: boolean };
}

export interface SetupDeps {
  log: Logger;
  /** Database retry over `policies.setupDb`; tests pass faster values. */
  retry?: Partial<RetryPolicy>;
  /** Skip parts (tests and `demo` use these). */
  skip?: { stream?: boolean; bucket?: boolean; db?: boolean };
}

/** Runs `fn`; a final failure names the service and endpoint. */
async function against<T>(service: string, endpoint: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ServiceError(service, endpoint, err, false);
  }
}

/**
 * Database calls are retried here (`policies.setupDb`); Kinesis and S3 calls by the SDK's standard
 * retry (throttling-aware, for control-plane calls), which is why their clients keep `retryLayer: 'sdk'`.
 */
function retryingDb<T>(service: string, endpoint: string, deps: SetupDeps, fn: () => Promise<T>): () => Promise<T> {
  return () =>
    retry(fn, {
      ...policies.setupDb,
      ...deps.retry,
      signal: undefined,
      onRetry: (err, attempt, waitMs) => deps.log.warn({ service, endpoint, attempt, waitMs, err: String(err) }, `${service} not answering, retrying`),
    });
}

/** Idempotently creates the stream, the bucket and the DB schema the config names. */
export async function runSetup(settings: Settings, deps: SetupDeps): Promise<SetupResult> {
  const { config, secrets } = settings;
  const result: Partial<SetupResult> = {};

  if (!deps.skip?.stream) {
    const kinesis = createKinesisClient(config, { retryLayer: 'sdk' });
    try {
      const s = await against('Kinesis', kinesisEndpoint(config), () =>
        ensureStream(kinesis, { name: config.stream.name, shards: config.stream.shards, retentionHours: config.stream.retentionHours }),
      );
      result.stream = { name: config.stream.name, ...s };
      result.target = { region: await kinesis.config.region(), ...(s.arn ? { account: s.arn.split(':')[4] } : {}) };
    } finally {
      kinesis.destroy();
    }
  }

  if (!deps.skip?.bucket) {
    const s3 = createS3Client(config, { retryLayer: 'sdk' });
    try {
      const local = isLocalEndpoint(config.aws.s3Endpoint);
      const region = await s3.config.region();
      const constraint = !local && region !== 'us-east-1' ? region : undefined;
      const b = await against('S3', s3Endpoint(config), () => ensureBucket(s3, config.s3.bucket, constraint));
      result.bucket = { name: config.s3.bucket, ...b };
    } finally {
      s3.destroy();
    }
  }

  if (!deps.skip?.db) {
    const url = config.db.url;
    const service = url.startsWith('mysql:') ? 'MySQL' : 'SQLite';
    let databaseCreated: boolean | undefined;
    if (service === 'MySQL') {
      // The database itself may not exist yet: create it through a connection without one.
      const server = openMysqlStore(url, { ...(secrets.dbPassword ? { password: secrets.dbPassword } : {}), database: null, connectionLimit: 1 });
      try {
        const db = parseMysqlUrl(url).database;
        const r = await against(
          service,
          server.description,
          retryingDb(service, server.description, deps, () => server.execute(`CREATE DATABASE IF NOT EXISTS \`${db.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`)),
        );
        databaseCreated = r.affectedRows > 0;
      } finally {
        await server.close();
      }
    }
    const store = openConfiguredStore({ config, secrets }, 'long');
    try {
      const m = await against(service, store.description, retryingDb(service, store.description, deps, () => migrate(store)));
      result.db = { url: store.description, ...m, ...(databaseCreated !== undefined ? { databaseCreated } : {}) };
    } finally {
      await store.close();
    }
  }
  return result as SetupResult;
}
