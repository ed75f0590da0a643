import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';

export interface LocalStackOptions {
  /** Where data lives; omitted → Kinesis in memory and S3 in a temporary directory the caller owns. */
  dataDir: string;
  kinesisPort: number;
  s3Port: number;
  /** Keep Kinesis data on disk (LevelDB) so it survives restarts. */
  persist?: boolean;
  /** kinesalite's artificial CREATING/UPDATING delay. */
  streamDelayMs?: number;
}

export interface LocalStack {
  kinesisEndpoint: string;
  s3Endpoint: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts the embedded Kinesis (kinesalite) and S3 (s3rver) in this process, on loopback only. */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const kinesisDir = path.join(o.dataDir, 'kinesis');
  const s3Dir = path.join(o.dataDir, 's3');
  await mkdir(s3Dir, { recursive: true });
  if (o.persist ?? true) await mkdir(kinesisDir, { recursive: true });

  const delayMs = o.streamDelayMs ?? 50;
  const kinesis = kinesalite({
    ...((o.persist ?? true) ? { path: kinesisDir } : {}),
    createStreamMs: delayMs,
    deleteStreamMs: delayMs,
    updateStreamMs: delayMs,
    shardLimit: 500,
  });
  await new Promise<void>((resolve, reject) => {
    kinesis.once('error', reject);
    kinesis.listen(o.kinesisPort, HOST, () => {
      kinesis.off('error', reject);
      resolve();
    });
  });
  const kinesisPort = (kinesis.address() as AddressInfo).port;

  const s3 = new S3rver({ address: HOST, port: o.s3Port, directory: s3Dir, silent: true });
  let s3Port: number;
  try {
    s3Port = (await s3.run()).port;
  } catch (err) {
    await new Promise((r) => kinesis.close(r));
    throw err;
  }

  let closed = false;
  return {
    kinesisEndpoint: `http://${HOST}:${kinesisPort}`,
    s3Endpoint: `http://${HOST}:${s3Port}`,
    async close() {
      if (closed) return;
      closed = true;
      kinesis.closeAllConnections?.();
      await Promise.all([new Promise<void>((r) => kinesis.close(() => r())), s3.close()]);
    },
  };
}
