import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../../src/aws/awsClients.ts';
import { ensureBucket } from '../../src/setup/ensureBucket.ts';
import { committedRecordCount, putEvents } from '../helpers/archiveHarness.ts';
import { makeEnv, waitFor, type Env } from '../helpers/consumerHarness.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

let stack: TestStack;
let e: Env;
let cliEnv: NodeJS.ProcessEnv;
before(async () => {
  stack = await startTestStack();
  const s3 = createS3Client(stack.settings().config);
  await ensureBucket(s3, 'centos-archive');
  s3.destroy();
  e = (await makeEnv(stack, 'sqlite', 2))!;
  cliEnv = {
    CENTOS_AWS_KINESIS_ENDPOINT: stack.kinesisEndpoint,
    CENTOS_AWS_S3_ENDPOINT: stack.s3Endpoint,
    CENTOS_STREAM_NAME: e.stream,
    CENTOS_DB_URL: e.settings.config.db.url,
    CENTOS_S3_PREFIX: `cli-${e.stream}`,
    CENTOS_APPS_ARCHIVE: 'test-app',
    CENTOS_ARCHIVE_FLUSH_AGE_MS: '300',
    CENTOS_LOG_LEVEL: 'warn',
  };
});
after(async () => {
  await e?.close();
  await stack.close();
});

describe('archive CLI (the real binary)', () => {
  it('`centos archive` archives the stream; `archived` lists it; `replay` reproduces the input', async () => {
    const expected = await putEvents(e, 120, { seed: 11, garbage: ['garbage record'] });
    const events = expected.filter((p) => p !== 'garbage record');
    const worker = spawn(process.execPath, [BIN, 'archive', '--worker-id', 'cli-worker'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: 'true', ...cliEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr.on('data', (d) => (stderr += d));
    try {
      await waitFor('archived by the worker', async () => (await committedRecordCount(e)) >= expected.length, 30_000);
    } finally {
      worker.kill('SIGTERM');
    }
    const [code] = await once(worker, 'exit');
    assert.equal(code, 0, stderr);

    const listed = await runCentos(['archived'], { env: cliEnv });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^SHARD\s+FIRST\s+LAST\s+RECORDS\s+BYTES\s+COMMITTED\s+KEY$/m);
    assert.match(listed.stdout, new RegExp(`objects, ${expected.length} records, \\d+ bytes\\n$`));

    const json = await runCentos(['archived', '--json'], { env: cliEnv });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { objects: Array<{ shardId: string; records: number; key: string }> };
    assert.equal(parsed.objects.reduce((n, o) => n + o.records, 0), expected.length);
    assert.ok(parsed.objects.every((o) => o.key.startsWith(`cli-${e.stream}/dt=`)));

    const replay = await runCentos(['replay'], { env: cliEnv });
    assert.equal(replay.code, 0, replay.stderr);
    const out = replay.stdout.trim().split('\n');
    assert.deepEqual([...out].sort(), [...events].sort(), 'every input event exactly once');
    assert.match(replay.stderr, /1 archived records were not valid events/);

    const shard = parsed.objects[0]!.shardId;
    const one = await runCentos(['replay', '--shard', shard], { env: cliEnv });
    const inShard = parsed.objects.filter((o) => o.shardId === shard).reduce((n, o) => n + o.records, 0);
    assert.ok(one.stdout.trim().split('\n').length <= inShard && one.stdout.trim().split('\n').length > 0);
    // Events keep their per-user order (each user lives on one shard).
    const seqs = new Map<string, number>();
    for (const line of out) {
      const ev = JSON.parse(line) as { userid: string; userSeq: number };
      assert.ok((seqs.get(ev.userid) ?? -1) < ev.userSeq, `${ev.userid} in order`);
      seqs.set(ev.userid, ev.userSeq);
    }

    const none = await runCentos(['replay', '--to', '2000-01-01T00:00:00Z'], { env: cliEnv });
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '', 'nothing arrived before 2000');
    const bad = await runCentos(['replay', '--from', 'yesterday'], { env: cliEnv });
    assert.equal(bad.code, 2);
  });
});
