// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import { ensureStream } from '../../src/setup/ensureStream.ts';
import { waitFor } from '../helpers/consumerHarness.ts';
import { runCentos } from '../helpers/runCentos.ts';

const BIN = new URL('../../bin/centos', import.meta.url).pathname;

describe('centos local --faithful', () => {
  it('--help names the faithful mode, its flags and what it enforces', async () => {
    const r = await runCentos(['local', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--faithful', '--enforce-limits', '--limits-port', '--iterator-ttl-ms', '--shard-retention-ms', '--on-demand-ms']) assert.ok(r.stdout.includes(flag), flag);
    assert.match(r.stdout, /5 calls\/s and 2 MiB\/s per shard/);
    assert.match(r.stdout, /ExpiredIteratorException/);
  });

  it('a bad value exits 2 naming the key', async () => {
    const r = await runCentos(['local', '--faithful', '--iterator-ttl-ms', '400000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /local\.iteratorTtlMs/);
  });

  it('serves Kinesis through the proxy it prints: a burst of GetRecords is throttled and the counters say so', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-local-'));
    const child = spawn(process.execPath, [BIN, 'local', '--faithful', '--kinesis-port', '0', '--s3-port', '0', '--limits-port', '0', '--data-dir', path.join(dir, 'data')], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: 'true', CENTOS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor('the endpoints', () => /export AWS_ENDPOINT_URL_KINESIS=/.test(out), 60_000);
      const endpoint = /export AWS_ENDPOINT_URL_KINESIS=(\S+)/.exec(out)![1]!;
      assert.match(out, /Kinesis  \S+ \(faithful: /);
      const k = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: endpoint } }), { retryLayer: 'ours' });
      try {
        await k.send(new ListStreamsCommand({}));
        await k.send(new CreateStreamCommand({ StreamName: 'local-faithful', ShardCount: 1 }));
        await ensureStream(k, { name: 'local-faithful', shards: 1, retentionHours: 24, pollMs: 100 });
        const it = (await k.send(new GetShardIteratorCommand({ StreamName: 'local-faithful', ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }))).ShardIterator!;
        // Twelve calls at once (an iterator may be used again): at most five are admitted in any second. (The exact
        // limit is shown with a hand-moved clock in faithfulProxy.test.ts; here only that the binary enforces it.)
        const results = await Promise.allSettled(Array.from({ length: 12 }, () => k.send(new GetRecordsCommand({ ShardIterator: it }))));
        const refused = results.filter((r) => r.status === 'rejected');
        assert.ok(refused.length >= 1, 'a burst of 12 was throttled');
        for (const r of refused) assert.ok((r as PromiseRejectedResult).reason instanceof ProvisionedThroughputExceededException, String((r as PromiseRejectedResult).reason));
        const stats = (await (await fetch(`${endpoint}/_centos/stats`)).json()) as { getRecordsThrottledCalls: number; maxReadCallsPerShardSecond: number };
        assert.equal(stats.getRecordsThrottledCalls, refused.length);
        assert.ok(stats.maxReadCallsPerShardSecond <= 5);
      } finally {
        k.destroy();
      }
    } finally {
      child.kill('SIGINT');
      assert.equal(await exited, 0, out);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
