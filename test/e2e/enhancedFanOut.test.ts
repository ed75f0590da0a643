// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import { listShards } from '../../src/kinesis/listShards.ts';
import { formatProxyStats } from '../../src/local/formatProxyStats.ts';
import { openStore } from '../../src/store/openStore.ts';
import { e2eEnv, waitForCleanAudit } from '../helpers/e2eEnv.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testMysql.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';
import { waitFor } from '../helpers/waitFor.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

/**
 * Enhanced fan-out in the consumer runtime, on the faithful local Kinesis with subscriptions that
 * end every 3 s: the dashboard reads pushed records while the archive polls the same stream, under
 * a kill -9, a split while producing and a restart in the other mode; both must audit clean.
 */
describe('enhanced fan-out through the real binary: dashboard by SubscribeToShard, archive by GetRecords, on one stream', () => {
  let stack: TestStack;
  let mysql: TestDatabase | undefined;
  before(async () => {
    stack = await startTestStack({ faithful: { efo: { subscriptionMs: 3_000, consumerStatusDelayMs: 200 } } });
    mysql = await createTestDatabase();
  });
  after(async () => {
    await mysql?.drop();
    await stack.close();
  });

  for (const dialect of ['sqlite', 'mysql'] as const) {
    it(`every event once, in order, in both applications, on ${dialect}`, async (t) => {
      if (dialect === 'mysql' && !mysql) return t.skip('no MySQL server');
      const name = `efo-${dialect}`;
      const dir = path.join(stack.dir, name);
      const dbUrl = dialect === 'mysql' ? mysql!.url : `sqlite:${path.join(dir, 'centos.db')}`;
      const env = e2eEnv({ kinesisEndpoint: stack.kinesisEndpoint, s3Endpoint: stack.s3Endpoint, name, dbUrl, dir });
      const ok = async (args: string[]) => {
        const r = await runCentos(args, { cwd: stack.dir, env, timeoutMs: 120_000 });
        assert.equal(r.code, 0, `centos ${args.join(' ')}: ${r.stderr}`);
        return r;
      };
      const kinesis = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: stack.kinesisEndpoint } }));
      const workers: ChildProcess[] = [];
      const startWorker = (role: 'dashboard' | 'archive', mode: 'efo' | 'polling') => {
        const c = spawn(process.execPath, [BIN, 'consume', '--role', role, '--mode', mode], { cwd: stack.dir, env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
        workers.push(c);
        return c;
      };
      const store = openStore(dbUrl);
      const applied = async () => Number((await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM events').catch(() => [{ n: 0 }]))[0]!.n);
      const before = { ...stack.proxy!.stats };
      try {
        await ok(['setup']);
        await ok(['generate', '6', '1000', '--duplicates', '0.1', '--users', '300']);
        const first = startWorker('dashboard', 'efo');
        startWorker('dashboard', 'efo');
        startWorker('archive', 'polling');
        const producing = ok(['produce', '--once']);
        await waitFor('the dashboard applies pushed records', async () => (await applied()) > 500, 90_000);
        first.kill('SIGKILL');
        // The replacement polls: one application, both modes, one set of checkpoints.
        startWorker('dashboard', 'polling');
        await producing;
        // A split while more events go in: the children's records arrive after their parent's end.
        const [s0] = (await listShards(kinesis, name)).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
        const mid = ((BigInt(s0!.HashKeyRange!.StartingHashKey!) + BigInt(s0!.HashKeyRange!.EndingHashKey!)) / 2n).toString();
        await kinesis.send(new SplitShardCommand({ StreamName: name, ShardToSplit: s0!.ShardId!, NewStartingHashKey: mid }));
        await ok(['generate', '6', '1000', '--duplicates', '0.1', '--users', '300']);
        const more = ok(['produce', '--once']);
        startWorker('dashboard', 'efo');
        await more;
        await waitForCleanAudit(stack.dir, env, 180_000);
        const status = await ok(['status']);
        assert.match(status.stdout, /CentosDashboard\s+\S+\s+efo\s+yes/, 'status shows the application reading by enhanced fan-out');
        assert.match(status.stdout, /CentosArchiver\s+\S+\s+polling\s+yes/);
      } finally {
        for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
        await store.close();
        kinesis.destroy();
      }
      const audit = await runCentos(['audit', '--stream'], { cwd: stack.dir, env });
      assert.equal(audit.code, 0, audit.stdout + audit.stderr);
      assert.match(audit.stdout, /dashboard  found (\d+)\/\1 · missing 0 · duplicated 0 · out of order 0 · fields differ 0/);
      assert.match(audit.stdout, /archive    \d+ committed records · events missing 0 · positions twice 0 · out of shard order 0 · stream records not archived 0/);
      const efo = stack.proxy!.stats;
      const was = before;
      assert.ok(efo.efoRecords - was.efoRecords > 0, 'records were pushed');
      assert.ok(efo.subscriptionsExpired - was.subscriptionsExpired > 0, 'subscriptions ended and were renewed during the run');
      // Which worker reads the split parent to its end (by EFO or by polling) depends on the lease dance; the reader's own
      // tests end a subscription at a closed shard (test/kinesis/efo/subscriptionReaderFaithful.test.ts).
      t.diagnostic(`kinesis (cumulative for this stack): ${formatProxyStats(stack.proxy!)}`);
    });
  }
});
