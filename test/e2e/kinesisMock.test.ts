// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/consumerHarness.ts';
import { e2eEnv } from '../helpers/e2eEnv.ts';
import { startKinesisMock, type KinesisMock } from '../helpers/kinesisMock.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

/**
 * The short e2e on a second, independent Kinesis emulator — kinesis-mock (npm `kinesis-local`) as a child
 * process — so that no promise rests on one emulator's quirks. S3 is the test stack's s3rver; its kinesalite
 * is not used.
 */
describe('the pipeline on kinesis-mock: generate → produce → dashboard and archive consumers → audit --stream', () => {
  let mock: KinesisMock;
  let stack: TestStack;
  before(async () => {
    [mock, stack] = await Promise.all([startKinesisMock(), startTestStack()]);
  });
  after(async () => {
    await mock?.close();
    await stack?.close();
  });

  it('keeps every promise', async () => {
    const dir = path.join(stack.dir, 'e2e-kinesis-mock');
    const env = e2eEnv({ kinesisEndpoint: mock.endpoint, s3Endpoint: stack.s3Endpoint, name: 'e2e-kinesis-mock', dbUrl: `sqlite:${path.join(dir, 'centos.db')}`, dir });
    const ok = async (args: string[]) => {
      const r = await runCentos(args, { cwd: stack.dir, env, timeoutMs: 120_000 });
      assert.equal(r.code, 0, `centos ${args.join(' ')}: ${r.stdout}${r.stderr}\nkinesis-mock: ${mock.output()}`);
      return r;
    };
    await ok(['setup']);
    await ok(['generate', '4', '500', '--duplicates', '0.1', '--users', '100']);
    await ok(['produce', '--once']);
    assert.equal((await readdir(path.join(dir, 'done'))).length, 4);

    const workers: ChildProcess[] = ['dashboard', 'archive'].map((role) =>
      spawn(process.execPath, [BIN, 'consume', '--role', role], { cwd: stack.dir, env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' }),
    );
    try {
      await waitFor(
        'the dashboard caught up',
        async () => {
          const r = await runCentos(['audit', '--only', 'dashboard', '--json'], { cwd: stack.dir, env });
          return JSON.parse(r.stdout || '{"ok":false}').ok === true;
        },
        120_000,
      );
    } finally {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
      await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
    }
    const audit = await runCentos(['audit', '--stream'], { cwd: stack.dir, env });
    assert.equal(audit.code, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, /dashboard  found (\d+)\/\1 · missing 0 · duplicated 0 · out of order 0 · fields differ 0/);
    assert.match(audit.stdout, /archive    \d+ committed records · events missing 0 · positions twice 0 · out of shard order 0 · stream records not archived 0/);
  });
});
