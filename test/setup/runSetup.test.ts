import assert from 'node:assert/strict';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { createKinesisClient, createS3Client } from '../../src/aws/awsClients.ts';
import { ServiceError } from '../../src/errors.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { runSetup } from '../../src/setup/runSetup.ts';
import { migrations } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testMysql.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const log = createLogger({ level: 'silent', pretty: false });
const fast = { retries: 2, initialMs: 10, maxMs: 20 };
const allVersions = migrations.map((m) => m.version);

/** Tables, columns and indexes: what "the same schema" means. */
async function schemaOf(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    const rows = await store.query<{ sql: string | null; name: string }>("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name");
    return rows.map((r) => `${r.name}: ${r.sql}`);
  }
  const rows = await store.query<{ t: string; c: string; ty: string; k: string }>(
    'SELECT table_name AS t, column_name AS c, column_type AS ty, column_key AS k FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position',
  );
  return rows.map((r) => `${r.t}.${r.c} ${r.ty} ${r.k}`);
}

async function migrationsOf(store: Store): Promise<number[]> {
  return (await store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
}

describe('setup against the embedded Kinesis and S3', () => {
  let stack: TestStack;
  let mysql: TestDatabase | undefined;
  before(async () => {
    stack = await startTestStack();
    mysql = await createTestDatabase();
  });
  after(async () => {
    await mysql?.drop();
    await stack.close();
  });

  it('creates stream, bucket and SQLite schema; a second run changes nothing', async () => {
    const settings = stack.settings({ 'stream.name': 'setup-sqlite', 'stream.shards': 3, 's3.bucket': 'setup-sqlite' });
    const first = await runSetup(settings, { log, retry: fast });
    assert.equal(first.stream.created, true);
    assert.equal(first.stream.status, 'ACTIVE');
    assert.equal(first.stream.openShards, 3);
    assert.equal(first.bucket.created, true);
    assert.deepEqual(first.db.applied, allVersions);
    assert.equal(first.target?.region, 'us-east-1', 'the region it acted on (the emulator default; no region configured)');
    assert.match(first.target?.account ?? '', /^\d{12}$/, 'the account that owns the stream, from its ARN');

    const store = openStore(settings.config.db.url);
    const schema1 = await schemaOf(store);
    await store.close();

    const second = await runSetup(settings, { log, retry: fast });
    assert.equal(second.stream.created, false);
    assert.equal(second.stream.openShards, 3);
    assert.equal(second.bucket.created, false);
    assert.deepEqual(second.db.applied, []);
    assert.equal(second.db.current, first.db.current);

    const again = openStore(settings.config.db.url);
    assert.deepEqual(await schemaOf(again), schema1);
    assert.deepEqual(await migrationsOf(again), allVersions);
    await again.close();

    const kinesis = createKinesisClient(settings.config);
    const s3 = createS3Client(settings.config);
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'setup-sqlite' }));
    assert.equal(d.StreamDescriptionSummary?.OpenShardCount, 3);
    await s3.send(new HeadBucketCommand({ Bucket: 'setup-sqlite' }));
    kinesis.destroy();
    s3.destroy();
  });

  it('creates the MySQL schema once, even with two setups racing, and leaves the same schema', async (t) => {
    if (!mysql) return t.skip('no MySQL server');
    const settings = stack.settings({ 'db.url': mysql.url, 'stream.name': 'setup-mysql', 's3.bucket': 'setup-mysql' });
    const [a, b] = await Promise.all([runSetup(settings, { log, retry: fast }), runSetup(settings, { log, retry: fast })]);
    assert.deepEqual([...a.db.applied, ...b.db.applied].sort(), allVersions, 'each migration applied exactly once');
    const store = openStore(mysql.url);
    const schema1 = await schemaOf(store);
    assert.ok(schema1.some((c) => c.startsWith('centos_meta.name')));
    const third = await runSetup(settings, { log, retry: fast });
    assert.deepEqual(third.db.applied, []);
    assert.deepEqual(await schemaOf(store), schema1);
    assert.deepEqual(await migrationsOf(store), allVersions);
    await store.close();
  });

  it('creates a missing MySQL database', async (t) => {
    if (!mysql) return t.skip('no MySQL server');
    const url = mysql.url.replace(/\/centos_t_/, '/centos_t_new_');
    const settings = stack.settings({ 'db.url': url });
    try {
      const r = await runSetup(settings, { log, retry: fast, skip: { stream: true, bucket: true } });
      assert.equal(r.db.databaseCreated, true);
      assert.deepEqual(r.db.applied, allVersions);
    } finally {
      const store = openStore(url);
      await store.execute(`DROP DATABASE IF EXISTS \`${new URL(url).pathname.slice(1)}\``);
      await store.close();
    }
  });

  it('names the service and endpoint it cannot reach', async () => {
    const dead = 'http://127.0.0.1:9';
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ 'aws.kinesisEndpoint': dead }, 'Kinesis', /^Kinesis at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/],
      [{ 'aws.s3Endpoint': dead, 'stream.name': 'unreach' }, 'S3', /^S3 at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/],
      [{ 'db.url': 'mysql://root:pw@127.0.0.1:9/x', 'stream.name': 'unreach2' }, 'MySQL', /^MySQL at mysql:\/\/root:redacted@127\.0\.0\.1:9\/x: .*ECONNREFUSED/],
    ];
    for (const [flags, service, message] of cases) {
      await assert.rejects(runSetup(stack.settings(flags), { log, retry: fast }), (err: unknown) => {
        assert.ok(err instanceof ServiceError, String(err));
        assert.equal(err.service, service);
        assert.match(err.message, message);
        return true;
      });
    }
  });

  it('the CLI exits 1 with one line naming the unreachable service, no stack trace', async () => {
    const r = await runCentos(['setup'], { cwd: stack.dir, env: { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:9', CENTOS_LOG_LEVEL: 'error' }, timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^centos: cannot reach Kinesis at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('the CLI runs setup end to end and prints what it did', async () => {
    const env = { AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint, AWS_ENDPOINT_URL_S3: stack.s3Endpoint, CENTOS_STREAM_NAME: 'cli-setup', CENTOS_S3_BUCKET: 'cli-setup' };
    const r1 = await runCentos(['setup'], { cwd: stack.dir, env });
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stdout, /stream  cli-setup: created, ACTIVE, 2 open shard/);
    assert.match(r1.stdout, /bucket  cli-setup: created/);
    const r2 = await runCentos(['setup', '--json'], { cwd: stack.dir, env });
    assert.equal(r2.code, 0, r2.stderr);
    const j = JSON.parse(r2.stdout);
    assert.equal(j.stream.created, false);
    assert.equal(j.bucket.created, false);
    assert.deepEqual(j.db.applied, []);
  });
});
