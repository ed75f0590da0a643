import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKinesisClient } from '../aws/awsClients.ts';
import { configSchema } from '../config/configSchema.ts';
import { kinesisPortFrom } from '../produce/KinesisPort.ts';
import { buildShardMap, hashKeyOf, shardIndexFor, type ShardMap } from '../produce/shardMap.ts';
import { TokenBucket } from '../produce/TokenBucket.ts';

export interface ProxyFaults {
  /** Fraction of PutRecords records answered with InternalFailure. */
  failRecordFraction?: number;
  /** Fraction of PutRecords calls answered with HTTP 500 InternalFailure (nothing written). */
  error500Fraction?: number;
  /** Fraction of PutRecords calls whose connection is dropped after the records were written. */
  dropConnectionFraction?: number;
}

export interface LimitProxyOptions {
  /** The Kinesis endpoint behind the proxy (kinesalite). */
  upstream: string;
  port: number;
  /** Enforce the per-shard write limits (default true). */
  enforceLimits?: boolean;
  shardBytesPerSec?: number;
  shardRecordsPerSec?: number;
  faults?: ProxyFaults;
  random?: () => number;
  now?: () => number;
}

export interface LimitProxyStats {
  calls: number;
  recordsIn: number;
  recordsWritten: number;
  throttledRecords: number;
  failedRecords: number;
  errors500: number;
  droppedConnections: number;
}

export interface LimitProxy {
  endpoint: string;
  stats: LimitProxyStats;
  setFaults(faults: ProxyFaults): void;
  close(): Promise<void>;
}

interface InRecord {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

type ResultRecord = { SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string };

const AWS_ACCOUNT = '000000000000';

/**
 * A loopback proxy in front of kinesalite that does what the emulator does not: enforces the
 * AWS per-shard write limits (1 MB/s and 1000 records/s, one second of burst) on PutRecords,
 * answering over-limit records with the per-record ProvisionedThroughputExceededException AWS
 * returns, and injects faults. Every other call passes through unchanged.
 */
export async function startLimitProxy(o: LimitProxyOptions): Promise<LimitProxy> {
  const random = o.random ?? Math.random;
  const now = o.now ?? Date.now;
  const enforce = o.enforceLimits ?? true;
  const bytesPerSec = o.shardBytesPerSec ?? 1_000_000;
  const recordsPerSec = o.shardRecordsPerSec ?? 1000;
  let faults: ProxyFaults = { ...o.faults };
  const stats: LimitProxyStats = { calls: 0, recordsIn: 0, recordsWritten: 0, throttledRecords: 0, failedRecords: 0, errors500: 0, droppedConnections: 0 };
  const upstream = new URL(o.upstream);
  const client = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: o.upstream } }), { maxAttempts: 1 });
  const kinesis = kinesisPortFrom(client);
  const maps = new Map<string, { map: ShardMap; at: number }>();
  const buckets = new Map<string, { bytes: TokenBucket; records: TokenBucket }>();

  const shardMap = async (stream: string): Promise<ShardMap> => {
    const cached = maps.get(stream);
    if (cached && now() - cached.at < 1000) return cached.map;
    const map = buildShardMap(await kinesis.listShards(stream));
    maps.set(stream, { map, at: now() });
    return map;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') h[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const reply = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string): void => {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };

  const putRecords = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    stats.calls++;
    if (random() < (faults.error500Fraction ?? 0)) {
      stats.errors500++;
      reply(res, 500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalFailure' }, JSON.stringify({ __type: 'InternalFailure', message: 'injected by the limit proxy' }));
      return;
    }
    const body = JSON.parse(raw.toString('utf8')) as { StreamName: string; Records: InRecord[] };
    const map = await shardMap(body.StreamName);
    const t = now();
    const results: Array<ResultRecord | undefined> = new Array(body.Records.length);
    const pass: InRecord[] = [];
    const passIndex: number[] = [];
    body.Records.forEach((r, i) => {
      stats.recordsIn++;
      const hash = r.ExplicitHashKey !== undefined ? BigInt(r.ExplicitHashKey) : hashKeyOf(r.PartitionKey);
      const shard = map.shards[shardIndexFor(map, hash)];
      if (enforce && shard) {
        let b = buckets.get(shard.shardId);
        if (!b) buckets.set(shard.shardId, (b = { bytes: new TokenBucket(bytesPerSec, bytesPerSec, t), records: new TokenBucket(recordsPerSec, recordsPerSec, t) }));
        const size = Math.floor((r.Data.length * 3) / 4) - (r.Data.endsWith('==') ? 2 : r.Data.endsWith('=') ? 1 : 0) + Buffer.byteLength(r.PartitionKey);
        if (b.bytes.available(t) < size || b.records.available(t) < 1) {
          stats.throttledRecords++;
          results[i] = {
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: `Rate exceeded for shard ${shard.shardId} in stream ${body.StreamName} under account ${AWS_ACCOUNT}.`,
          };
          return;
        }
        b.bytes.tryTake(size, t);
        b.records.tryTake(1, t);
      }
      if (random() < (faults.failRecordFraction ?? 0)) {
        stats.failedRecords++;
        results[i] = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure (injected by the limit proxy).' };
        return;
      }
      pass.push(r);
      passIndex.push(i);
    });
    if (pass.length > 0) {
      const up = await forward(req, Buffer.from(JSON.stringify({ StreamName: body.StreamName, Records: pass })));
      if (up.status !== 200) {
        reply(res, up.status, up.headers, up.body);
        return;
      }
      const written = (JSON.parse(up.body.toString('utf8')) as { Records: ResultRecord[] }).Records;
      written.forEach((w, j) => {
        results[passIndex[j]!] = w;
        if ('SequenceNumber' in w) stats.recordsWritten++;
      });
    }
    if (random() < (faults.dropConnectionFraction ?? 0)) {
      stats.droppedConnections++;
      req.socket.destroy();
      return;
    }
    const failed = results.filter((r) => r && 'ErrorCode' in r).length;
    reply(res, 200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify({ FailedRecordCount: failed, Records: results }));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const handle = target.endsWith('.PutRecords')
        ? putRecords(req, res, raw)
        : forward(req, raw).then((up) => reply(res, up.status, up.headers, up.body));
      handle.catch((err: unknown) => {
        if (res.headersSent || req.socket.destroyed) return;
        reply(res, 500, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify({ __type: 'InternalFailure', message: `limit proxy: ${(err as Error).message}` }));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    setFaults(f) {
      faults = { ...f };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      client.destroy();
    },
  };
}
