import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { s3ObjectStore } from '../../src/archive/s3ObjectStore.ts';
import { createS3Client } from '../../src/aws/awsClients.ts';
import { ensureBucket } from '../../src/setup/ensureBucket.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

describe('s3ObjectStore on the embedded S3', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => stack.close());

  it('lists more than 1000 objects, each once, in key order', async () => {
    const s3 = createS3Client(stack.settings().config);
    try {
      await ensureBucket(s3, 'many');
      const keys = Array.from({ length: 1234 }, (_, i) => `archive/k-${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: 'many', Key, Body: 'x' }))));
      await s3.send(new PutObjectCommand({ Bucket: 'many', Key: 'other/not-listed', Body: 'x' }));
      const store = s3ObjectStore(s3, 'many', { partSizeBytes: 8 * 1024 * 1024 });
      const listed: string[] = [];
      for await (const o of store.list('archive/')) listed.push(o.key);
      assert.equal(listed.length, keys.length);
      assert.deepEqual(listed, keys);
    } finally {
      s3.destroy();
    }
  });
});
