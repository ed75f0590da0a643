import assert from 'node:assert/strict';
import { DescribeStreamConsumerCommand, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { after, before, describe, it } from 'node:test';
import { startKinesisMock, type KinesisMock } from '../helpers/kinesisMock.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('centos consumers (the real binary on kinesis-mock)', () => {
  let mock: KinesisMock;
  before(async () => {
    mock = await startKinesisMock();
  });
  after(async () => {
    await mock?.close();
  });

  it('lists the stream consumers, marks ours with their mode, and --prune deregisters only ours that read by polling', { timeout: 180_000 }, async () => {
    const stream = 'consumers-cli';
    const client = mock.client;
    const { arn: streamArn } = await mock.createStream(stream);
    for (const name of ['CentosArchiver', 'CentosDashboard', 'SomeoneElse']) await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
    const env = { AWS_ENDPOINT_URL_KINESIS: mock.endpoint, CENTOS_STREAM_NAME: stream, CENTOS_CONSUMER_MODE_DASHBOARD: 'efo' };

    const listed = await runCentos(['consumers', '--json'], { env, timeoutMs: 60_000 });
    assert.equal(listed.code, 0, listed.stderr);
    const rows = (JSON.parse(listed.stdout) as { consumers: Array<{ name: string; role?: string; mode?: string }> }).consumers;
    assert.deepEqual(rows.map((r) => [r.name, r.role, r.mode]), [['CentosArchiver', 'archive', 'polling'], ['CentosDashboard', 'dashboard', 'efo'], ['SomeoneElse', undefined, undefined]]);

    const pruned = await runCentos(['consumers', '--prune'], { env, timeoutMs: 60_000 });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /^deregistered CentosArchiver$/m);
    const exists = async (name: string) =>
      client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name })).then(
        () => true,
        () => false,
      );
    await waitFor('CentosArchiver deregistered', async () => !(await exists('CentosArchiver')), 30_000);
    assert.ok(await exists('CentosDashboard'), 'the efo application keeps its consumer');
    assert.ok(await exists('SomeoneElse'), 'other software keeps its consumer');
  });

  it('names Kinesis and its endpoint when it cannot be reached (exit 1)', { timeout: 180_000 }, async () => {
    const r = await runCentos(['consumers'], { env: { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:9', CENTOS_STREAM_NAME: 'nowhere' }, timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Kinesis .*at http:\/\/127\.0\.0\.1:9/);
  });

  it('demo --efo without the faithful local Kinesis is refused (exit 2): kinesalite has no enhanced fan-out', { timeout: 60_000 }, async () => {
    const r = await runCentos(['demo', '--efo', '--no-faithful', '--duration', '5'], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--efo needs the faithful local Kinesis/);
  });

  it('a bad consumer mode names the key (exit 2)', { timeout: 60_000 }, async () => {
    const flag = await runCentos(['consume', '--role', 'archive', '--mode', 'push'], { timeoutMs: 30_000 });
    assert.equal(flag.code, 2, flag.stdout + flag.stderr);
    assert.match(flag.stderr, /--mode/);
    const bad = await runCentos(['consume', '--role', 'dashboard'], { env: { CENTOS_CONSUMER_MODE_DASHBOARD: 'push' }, timeoutMs: 30_000 });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /consumerMode\.dashboard/);
  });
});
