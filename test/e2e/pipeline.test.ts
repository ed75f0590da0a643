// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatProxyStats } from '../../src/local/formatProxyStats.ts';
import { openStore } from '../../src/store/openStore.ts';
import { waitFor } from '../helpers/consumerHarness.ts';
import { e2eEnv, waitForCleanAudit } from '../helpers/e2eEnv.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testMysql.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

describe('the whole pipeline through the real binary on the faithful local Kinesis: generate → produce → dashboard and archive consumers (with a kill -9) → audit', () => {
  let stack: TestStack;
  let mysql: TestDatabase | undefined;
  before(async () => {
    stack = await startTestStack({ faithful: {} });
    mysql = await createTestDatabase();
  });
  after(async () => {
    await mysql?.drop();
    await stack.close();
  });

  for (const dialect of ['sqlite', 'mysql'] as const) {
    it(`keeps every promise on ${dialect}`, async (t) => {
      if (dialect === 'mysql' && !mysql) return t.skip('no MySQL server');
      const dir = path.join(stack.dir, `e2e-${dialect}`);
      const dbUrl = dialect === 'mysql' ? mysql!.url : `sqlite:${path.join(dir, 'centos.db')}`;
      const env = e2eEnv({ kinesisEndpoint: stack.kinesisEndpoint, s3Endpoint: stack.s3Endpoint, name: `e2e-${dialect}`, dbUrl, dir });
      const ok = async (args: string[]) => {
        const r = await runCentos(args, { cwd: stack.dir, env, timeoutMs: 120_000 });
        assert.equal(r.code, 0, `centos ${args.join(' ')}: ${r.stderr}`);
        return r;
      };
      await ok(['setup']);
      await ok(['generate', '10', '1000', '--duplicates', '0.1', '--users', '300']);
      await ok(['produce', '--once']);
      assert.equal((await readdir(path.join(dir, 'done'))).length, 10);

      const workers: ChildProcess[] = [];
      const startWorker = (role = 'dashboard') => {
        const c = spawn(process.execPath, [BIN, 'consume', '--role', role], { cwd: stack.dir, env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
        workers.push(c);
        return c;
      };
      const store = openStore(dbUrl);
      const applied = async () => Number((await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM events').catch(() => [{ n: 0 }]))[0]!.n);
      try {
        const first = startWorker();
        startWorker();
        startWorker('archive');
        await waitFor('consuming', async () => (await applied()) > 500, 60_000);
        first.kill('SIGKILL');
        startWorker();
        await waitForCleanAudit(stack.dir, env, 90_000);
      } finally {
        for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
        await store.close();
      }
      const audit = await runCentos(['audit', '--stream'], { cwd: stack.dir, env });
      assert.equal(audit.code, 0, audit.stdout + audit.stderr);
      assert.match(audit.stdout, /dashboard  found (\d+)\/\1 · missing 0 · duplicated 0 · out of order 0 · fields differ 0/);
      assert.match(audit.stdout, /archive    \d+ committed records · events missing 0 · positions twice 0 · out of shard order 0 · stream records not archived 0/);
      const committed = Number(/archive    (\d+) committed records/.exec(audit.stdout)![1]);
      const replay = await ok(['replay', '--produce']);
      assert.match(replay.stdout, new RegExp(`replayed ${committed} events into stream e2e-${dialect}`));
      const status = JSON.parse((await ok(['status', '--json'])).stdout);
      assert.equal(status.shards.filter((s: { app: string }) => s.app === 'CentosDashboard').length, 3);
      t.diagnostic(`kinesis (cumulative for this stack): ${formatProxyStats(stack.proxy!)}`);
    });
  }

  it('audit exits 1 and says what is missing when the DB lacks events', async () => {
    const dir = path.join(stack.dir, 'e2e-missing');
    const env = { CENTOS_DB_URL: `sqlite:${path.join(dir, 'db.db')}`, CENTOS_PATHS_GENERATED: path.join(dir, 'g'), CENTOS_PATHS_WATCH: path.join(dir, 'w'), AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint, AWS_ENDPOINT_URL_S3: stack.s3Endpoint };
    assert.equal((await runCentos(['setup', '--skip-stream', '--skip-bucket'], { cwd: stack.dir, env })).code, 0);
    assert.equal((await runCentos(['generate', '1', '5'], { cwd: stack.dir, env })).code, 0);
    const r = await runCentos(['audit', '--only', 'dashboard', '--input', path.join(dir, 'w')], { cwd: stack.dir, env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /found 0\/5 · missing 5/);
    assert.match(r.stdout, /FAILED: 5 violation/);
  });
});
