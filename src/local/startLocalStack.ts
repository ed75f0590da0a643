import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';
import type { Logger } from '../log/createLogger.ts';
import { startLimitProxy, type FaithfulOptions, type LimitProxy, type ProxyFaults } from './startLimitProxy.ts';

/** The proxy in front of kinesalite: the AWS write limits, and with `faithful` everything the faithful mode emulates. */
export interface LocalLimits {
  faithful?: FaithfulOptions;
  /** Loopback port of the proxy, 0 for any free one (default 0). */
  port?: number;
  faults?: ProxyFaults;
  log?: Logger;
}

export interface LocalStackOptions {
  /** Where data lives; omitted → Kinesis in memory and S3 in a temporary directory the caller owns. */
  dataDir: string;
  kinesisPort: number;
  s3Port: number;
  /** Keep Kinesis data on disk (LevelDB) so it survives restarts. */
  persist?: boolean;
  /** kinesalite's artificial CREATING/UPDATING delay. */
  streamDelayMs?: number;
  /** Put the limit proxy in front of kinesalite; `kinesisEndpoint` is then the proxy's. */
  limits?: LocalLimits;
}

export interface LocalStack {
  /** Where clients send Kinesis calls: the proxy when there is one, else kinesalite. */
  kinesisEndpoint: string;
  /** kinesalite itself, behind the proxy. */
  kinesaliteEndpoint: string;
  s3Endpoint: string;
  proxy?: LimitProxy;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts the embedded Kinesis (kinesalite), optionally behind the limit proxy, and S3 (s3rver) in this process, on loopback only. */
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
  const kinesaliteEndpoint = `http://${HOST}:${kinesisPort}`;
  let s3Port: number;
  let proxy: LimitProxy | undefined;
  try {
    s3Port = (await s3.run()).port;
    if (o.limits) {
      const l = o.limits;
      proxy = await startLimitProxy({ upstream: kinesaliteEndpoint, port: l.port ?? 0, ...(l.faithful ? { faithful: l.faithful } : {}), ...(l.faults ? { faults: l.faults } : {}), ...(l.log ? { log: l.log } : {}) });
    }
  } catch (err) {
    await Promise.all([new Promise((r) => kinesis.close(r)), s3.close().catch(() => undefined)]);
    throw err;
  }

  let closed = false;
  return {
    kinesisEndpoint: proxy?.endpoint ?? kinesaliteEndpoint,
    kinesaliteEndpoint,
    s3Endpoint: `http://${HOST}:${s3Port}`,
    ...(proxy ? { proxy } : {}),
    async close() {
      if (closed) return;
      closed = true;
      await proxy?.close();
      kinesis.closeAllConnections?.();
      await Promise.all([new Promise<void>((r) => kinesis.close(() => r())), s3.close()]);
    },
  };
}
