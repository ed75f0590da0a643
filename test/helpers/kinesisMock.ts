import { waitFor } from './waitFor.ts';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListShardsCommand, ListStreamsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';

export interface KinesisMock {
  endpoint: string;
  /** The same server over TLS (self-signed certificate `kinesis-local/server.json`); HTTP/2 by ALPN. */
  tlsEndpoint: string;
  /** An SDK client on `endpoint` (one attempt per call), destroyed by `close`. */
  client: KinesisClient;
  /** Creates a stream and waits until it is ACTIVE (bounded poll). */
  createStream(name: string, shards?: number): Promise<{ arn: string; shardIds: string[] }>;
  /** What the mock printed, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

const MAIN = createRequire(import.meta.url).resolve('kinesis-local/main.js');
const LOOPBACK_ONLY = fileURLToPath(new URL('./loopbackListen.mjs', import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * kinesis-mock (npm `kinesis-local`, a second, independent Kinesis emulator) as a child process on free
 * loopback ports: plain HTTP for the SDK, its TLS port unused. It has no bind-address setting, so a
 * preload pins its servers to 127.0.0.1. Ready when ListStreams answers (bounded poll).
 */
export async function startKinesisMock(o: { readyTimeoutMs?: number } = {}): Promise<KinesisMock> {
  const [plain, tls] = [await freePort(), await freePort()];
  let out = '';
  const child = spawn(process.execPath, ['--import', LOOPBACK_ONLY, MAIN], {
    cwd: path.dirname(MAIN),
    env: {
      PATH: process.env.PATH,
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      KINESIS_MOCK_CERT_PATH: path.join(path.dirname(MAIN), 'server.json'),
      SHOULD_PERSIST_DATA: 'false',
      LOAD_DATA_IF_EXISTS: 'false',
      LOG_LEVEL: 'WARN',
      CREATE_STREAM_DURATION: '50ms',
      SPLIT_SHARD_DURATION: '50ms',
      MERGE_SHARDS_DURATION: '50ms',
      SHARD_LIMIT: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const endpoint = `http://127.0.0.1:${plain}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if ((await Promise.race([exited.then(() => 'exited'), delay(10_000, 'timeout')])) === 'timeout') child.kill('SIGKILL');
      await exited;
    }
  };
  const client = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: endpoint } }), { retryLayer: 'ours', requestTimeoutMs: 2_000 });
  try {
    const ready = async () => {
      if (child.exitCode !== null) throw new Error(`kinesis-mock exited with ${child.exitCode}: ${out}`);
      return client.send(new ListStreamsCommand({})).then(
        () => true,
        () => false,
      );
    };
    await waitFor(`kinesis-mock on ${endpoint}`, ready, o.readyTimeoutMs ?? 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${out}`);
    });
  } catch (err) {
    await close();
    throw err;
  } finally {
    client.destroy();
  }
  const api = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: endpoint } }), { retryLayer: 'ours' });
  const createStream = async (name: string, shards = 1) => {
    await api.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    let arn = '';
    await waitFor(`stream ${name} ACTIVE`, async () => {
      const d = (await api.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      arn = d?.StreamARN ?? '';
      return d?.StreamStatus === 'ACTIVE';
    });
    const shardIds = ((await api.send(new ListShardsCommand({ StreamName: name }))).Shards ?? []).map((x) => x.ShardId!);
    return { arn, shardIds };
  };
  const closeAll = async () => {
    api.destroy();
    await close();
  };
  return { endpoint, tlsEndpoint: `https://127.0.0.1:${tls}`, client: api, createStream, output: () => out, close: closeAll };
}
