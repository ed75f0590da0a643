// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientEndpoint, createKinesisClient, createS3Client, SDK_MAX_ATTEMPTS } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';

const local = configSchema.parse({ aws: { kinesisEndpoint: 'http://127.0.0.1:4567', s3Endpoint: 'http://127.0.0.1:4568' } });

describe('awsClients', () => {
  it('gives a call one retry layer: one SDK attempt when our loops retry, the SDK standard retry otherwise', async () => {
    const cases = [
      { layer: 'ours' as const, attempts: 1 },
      { layer: 'sdk' as const, attempts: SDK_MAX_ATTEMPTS },
      { layer: undefined, attempts: SDK_MAX_ATTEMPTS },
    ];
    for (const c of cases) {
      const o = c.layer ? { retryLayer: c.layer } : {};
      const k = createKinesisClient(local, o);
      const s = createS3Client(local, o);
      try {
        assert.equal(await k.config.maxAttempts(), c.attempts, `Kinesis, ${c.layer ?? 'default'}`);
        assert.equal(await s.config.maxAttempts(), c.attempts, `S3, ${c.layer ?? 'default'}`);
      } finally {
        k.destroy();
        s.destroy();
      }
    }
    assert.ok(SDK_MAX_ATTEMPTS > 1);
  });

  it('names where a client sends its calls, for error messages', async () => {
    const k = createKinesisClient(local);
    const s = createS3Client(local);
    const aws = createKinesisClient(configSchema.parse({ region: 'eu-west-1' }));
    try {
      assert.equal(await clientEndpoint(k, 'kinesis'), 'http://127.0.0.1:4567');
      assert.equal(await clientEndpoint(s, 's3'), 'http://127.0.0.1:4568');
      assert.equal(await clientEndpoint(aws, 'kinesis'), 'https://kinesis.eu-west-1.amazonaws.com');
    } finally {
      k.destroy();
      s.destroy();
      aws.destroy();
    }
  });
});
