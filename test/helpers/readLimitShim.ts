import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST-ONLY stand-in for the faithful local stack's read side, until it lands (issue 13, src/local/):
 * a loopback HTTP proxy in front of kinesalite that enforces AWS's per-shard read limits —
 * 5 GetRecords calls in any second and 2 MiB/s, shared by every caller, a large response
 * throttling the calls after it until the budget refills — answering over-limit calls with the
 * ProvisionedThroughputExceededException AWS returns; and that can make shards expire (gone from
 * ListShards, ResourceNotFoundException for their iterators), as shards past the retention do.
 */
export interface ReadLimitShim {
  endpoint: string;
  /** Per shard: every GetRecords call that reached the shim (accepted or throttled), ms. */
  callTimes: Map<string, number[]>;
  stats: { getRecords: number; throttled: number; bytes: number };
  /** Shards that from now on behave as expired. */
  expire(shardIds: string[]): void;
  /** From now on ListShards answers LimitExceededException (true) or works again (false). */
  refuseListShards(on: boolean): void;
  /** The most calls one shard got in any 1-second window. */
  maxCallsPerSecond(): number;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

export async function startReadLimitShim(o: { upstream: string; callsPerSec?: number; bytesPerSec?: number; now?: () => number }): Promise<ReadLimitShim> {
  const now = o.now ?? Date.now;
  const callsPerSec = o.callsPerSec ?? 5;
  const bytesPerSec = o.bytesPerSec ?? 2 * MiB;
  const upstream = new URL(o.upstream);
  const shardOfIterator = new Map<string, string>();
  const expired = new Set<string>();
  let refuseList = false;
  const accepted = new Map<string, number[]>();
  const budget = new Map<string, { tokens: number; at: number }>();
  const callTimes = new Map<string, number[]>();
  const stats = { getRecords: 0, throttled: 0, bytes: 0 };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && !['content-length', 'transfer-encoding', 'connection'].includes(k)) h[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  const reply = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string) => {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const awsError = (res: ServerResponse, type: string, message: string) =>
    reply(res, 400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type }, JSON.stringify({ __type: type, message }));
  const json = (b: Buffer) => JSON.parse(b.toString('utf8') || '{}') as Record<string, unknown>;

  /** Admits a call when the shard had fewer than `callsPerSec` accepted calls in the last second and its byte budget is not overdrawn. */
  const admit = (shard: string, t: number): boolean => {
    const times = (accepted.get(shard) ?? []).filter((x) => x > t - 1000);
    accepted.set(shard, times);
    const b = budget.get(shard) ?? { tokens: bytesPerSec, at: t };
    b.tokens = Math.min(bytesPerSec, b.tokens + ((t - b.at) * bytesPerSec) / 1000);
    b.at = t;
    budget.set(shard, b);
    if (times.length >= callsPerSec || b.tokens < 0) return false;
    times.push(t);
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop();
    const body = json(raw);
    if (op === 'ListShards' && refuseList) return awsError(res, 'LimitExceededException', 'Rate exceeded for ListShards (refused by the read-limit shim).');
    if (op === 'GetShardIterator' && expired.has(String(body.ShardId))) return awsError(res, 'ResourceNotFoundException', `Shard ${String(body.ShardId)} in stream ${String(body.StreamName)} under account 000000000000 does not exist`);
    if (op === 'GetRecords') {
      const shard = shardOfIterator.get(String(body.ShardIterator)) ?? 'unknown';
      if (expired.has(shard)) return awsError(res, 'ResourceNotFoundException', `Shard ${shard} under account 000000000000 does not exist`);
      const t = now();
      stats.getRecords++;
      (callTimes.get(shard) ?? callTimes.set(shard, []).get(shard)!).push(t);
      if (!admit(shard, t)) {
        stats.throttled++;
        return awsError(res, 'ProvisionedThroughputExceededException', `Rate exceeded for Shard - ${shard} under account 000000000000.`);
      }
      const up = await forward(req, raw);
      if (up.status === 200) {
        const out = json(up.body) as { Records?: Array<{ Data: string }>; NextShardIterator?: string };
        let bytes = 0;
        for (const r of out.Records ?? []) bytes += Math.floor((r.Data.length * 3) / 4);
        budget.get(shard)!.tokens -= bytes;
        stats.bytes += bytes;
        if (out.NextShardIterator) shardOfIterator.set(out.NextShardIterator, shard);
      }
      return reply(res, up.status, up.headers, up.body);
    }
    const up = await forward(req, raw);
    if (up.status === 200 && op === 'GetShardIterator') shardOfIterator.set(String((json(up.body) as { ShardIterator?: string }).ShardIterator), String(body.ShardId));
    if (up.status === 200 && op === 'ListShards' && expired.size > 0) {
      const out = json(up.body) as { Shards?: Array<{ ShardId: string }> };
      out.Shards = (out.Shards ?? []).filter((s) => !expired.has(s.ShardId));
      return reply(res, 200, up.headers, JSON.stringify(out));
    }
    return reply(res, up.status, up.headers, up.body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 500, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify({ __type: 'InternalFailure', message: `read-limit shim: ${(err as Error).message}` }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    callTimes,
    stats,
    refuseListShards(on) {
      refuseList = on;
    },
    expire(ids) {
      for (const id of ids) expired.add(id);
    },
    maxCallsPerSecond() {
      let max = 0;
      for (const times of callTimes.values()) {
        for (let i = 0, j = 0; i < times.length; i++) {
          while (times[i]! - times[j]! >= 1000) j++;
          max = Math.max(max, i - j + 1);
        }
      }
      return max;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
