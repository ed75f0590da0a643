import path from 'node:path';
import { runCentos } from './runCentos.ts';
import { waitFor } from './waitFor.ts';

/** The environment of every `centos` process an e2e test starts: its endpoints, one stream/bucket/DB, dirs under `dir`, quick leases. */
export function e2eEnv(o: { kinesisEndpoint: string; s3Endpoint: string; name: string; dbUrl: string; dir: string }): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_KINESIS: o.kinesisEndpoint,
    AWS_ENDPOINT_URL_S3: o.s3Endpoint,
    CENTOS_STREAM_NAME: o.name,
    CENTOS_STREAM_SHARDS: '3',
    CENTOS_S3_BUCKET: o.name,
    CENTOS_DB_URL: o.dbUrl,
    CENTOS_PATHS_GENERATED: path.join(o.dir, 'generated'),
    CENTOS_PATHS_WATCH: path.join(o.dir, 'watch'),
    CENTOS_PATHS_DONE: path.join(o.dir, 'done'),
    CENTOS_PATHS_REJECTED: path.join(o.dir, 'rejected'),
    CENTOS_PATHS_DEAD_LETTERS: path.join(o.dir, 'dead'),
    CENTOS_COORDINATOR_LEASE_DURATION_MS: '3000',
    CENTOS_COORDINATOR_RENEW_INTERVAL_MS: '500',
    CENTOS_COORDINATOR_TAKE_INTERVAL_MS: '300',
    CENTOS_ARCHIVE_FLUSH_AGE_MS: '1000',
    CENTOS_LOG_LEVEL: 'warn',
  };
}

/** Bounded poll until `centos audit` finds the dashboard and the archive caught up with every input event. */
export async function waitForCleanAudit(cwd: string, env: Record<string, string>, timeoutMs: number): Promise<void> {
  await waitFor(
    'both applications caught up (audit clean)',
    async () => {
      const r = await runCentos(['audit', '--json'], { cwd, env });
      return JSON.parse(r.stdout || '{"ok":false}').ok === true;
    },
    timeoutMs,
  );
}
