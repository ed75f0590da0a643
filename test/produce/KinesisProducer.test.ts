// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import { writeGeneratedFiles } from '../../src/generate/writeGeneratedFiles.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { KinesisProducer } from '../../src/produce/KinesisProducer.ts';
import { kinesisWritePortFrom } from '../../src/kinesis/KinesisWritePort.ts';
import { createProducerCounters } from '../../src/produce/ProducerCounters.ts';
import { runProducer } from '../../src/produce/runProducer.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('backpressure', () => {
  it('while Kinesis is unreachable, reading stops at the buffer limit, nothing is dropped, and shutdown leaves every file in place', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-bp-'));
    try {
      const paths = { watch: path.join(dir, 'watch'), done: path.join(dir, 'done'), rejected: path.join(dir, 'rejected'), deadLetters: path.join(dir, 'dead') };
      await writeGeneratedFiles({ files: 10, rows: 1000, users: 100, seed: 4, duplicates: 0, startMs: 0, intervalMs: 0, generatedDir: path.join(dir, 'gen'), watchDir: paths.watch });
      const config = configSchema.parse({ aws: { kinesisEndpoint: `http://127.0.0.1:${await closedPort()}` }, producer: { maxBufferedRecords: 1500, retryInitialMs: 5, retryMaxMs: 50 } });
      const client = createKinesisClient(config, { retryLayer: 'ours' });
      const counters = createProducerCounters();
      const log = createLogger({ level: 'silent', pretty: false });
      const producer = new KinesisProducer({ ...config.producer, streamName: 'nowhere', endpoint: config.aws.kinesisEndpoint! }, { kinesis: kinesisWritePortFrom(client), counters, log });
      await producer.start();
      const ac = new AbortController();
      const running = runProducer({ producer, counters, paths, input: { kind: 'watch' }, rescanMs: 50, settleMs: 0, incompleteWaitMs: 60_000, retryFailedFileMs: 60_000, shutdownTimeoutMs: 100, signal: ac.signal, log });
      while (counters.inputPauses === 0) await new Promise((r) => setTimeout(r, 10));
      // Let the producer keep failing for a while: the buffer must not grow.
      const pausesBefore = counters.inputPauses;
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 10));
        assert.ok(counters.bufferedEvents <= 1500, `buffered ${counters.bufferedEvents}`);
      }
      assert.equal(counters.inputPauses, pausesBefore, 'still paused on the same record');
      assert.equal(counters.eventsRead, 1500);
      assert.equal(counters.filesRead, 2);
      ac.abort();
      const result = await running;
      producer.close();
      client.destroy();
      assert.equal(result.filesDone, 0);
      assert.equal((await readdir(paths.watch)).length, 10, 'every file still in the watch directory');
      assert.deepEqual(await readdir(paths.done).catch(() => []), []);
      assert.equal(counters.eventsDeadLettered, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
