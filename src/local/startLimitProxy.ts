import { DescribeStreamSummaryCommand, GetShardIteratorCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createKinesisClient } from '../aws/awsClients.ts';
import { awsErrorName } from '../aws/awsErrors.ts';
import { configSchema } from '../config/configSchema.ts';
import type { Logger } from '../log/createLogger.ts';
import { kinesisWritePortFrom } from '../kinesis/KinesisWritePort.ts';
import { buildShardMap, hashKeyOf, shardIndexFor, type ShardDescription, type ShardMap } from '../kinesis/shardMap.ts';
import { TokenBucket } from '../produce/TokenBucket.ts';
import { admitCall } from './admitCall.ts';
import { CONTROL_PLANE_QUOTAS, quotaKey } from './controlPlaneQuotas.ts';
import { createEnhancedFanOut, emptyEfoStats, type EfoOptions, type EfoStats, type SubscribeSink } from './enhancedFanOut.ts';
import { shardExpired, withoutExpired } from './expiredShards.ts';
import { planOnDemandReshard, type OnDemandPolicy } from './planOnDemandReshard.ts';
import { iteratorExpired, unwrapIterator, wrapIterator } from './proxyIterator.ts';
import { routeByPreface } from './routeByPreface.ts';
import { ShardCallCounts, type ShardSecond } from './ShardCallCounts.ts';
import { streamNameOfArn } from './streamConsumers.ts';
import { admitRead, AWS_READ_LIMITS, chargeRead, fullReadBudget, type ReadLimits, type ShardReadBudget } from './shardReadBudget.ts';

export interface ProxyFaults {
  /** Fraction of PutRecords records answered with InternalFailure. */
  failRecordFraction?: number;
  /** Fraction of PutRecords calls answered with HTTP 500 InternalFailure (nothing written). */
  error500Fraction?: number;
  /** Fraction of PutRecords calls whose connection is dropped after the records were written. */
  dropConnectionFraction?: number;
  /**
   * Fraction of ListShards calls answered LimitExceededException, as AWS answers when the ListShards
   * quota is spent (nothing is forwarded). Stands for every way ListShards fails while the shards
   * are fine — throttling, or a missing kinesis:ListShards permission (AccessDeniedException).
   */
  listShardsFailFraction?: number;
}

export interface OnDemandOptions extends Partial<OnDemandPolicy> {
  /** How often the stream looks at its shards' write rates and reshards one step. */
  intervalMs: number;
}

/** What the faithful mode adds to the write limits: everything else AWS documents that the emulator hides. */
export interface FaithfulOptions {
  /** Per-shard GetRecords limits shared by all callers (AWS: 5 calls/s, 2 MiB/s). */
  readLimits?: ReadLimits;
  /** GetShardIterator calls per second per shard (AWS: 5). */
  shardIteratorsPerSec?: number;
  /** Iterators expire this long after they were issued (AWS: 5 minutes; at most that, kinesalite expires its own then). */
  iteratorTtlMs?: number;
  /** Closed shards expire this long after they closed; default the stream's retention period. */
  shardRetentionMs?: number;
  /** Resharding on its own, as an on-demand stream does; off when omitted. */
  onDemand?: OnDemandOptions;
  /** How often the proxy looks at the known streams' shards to see which closed (ms). */
  shardPollMs?: number;
  /** Enhanced fan-out (consumers, SubscribeToShard over HTTP/2 on the same port); AWS's limits when omitted. */
  efo?: EfoOptions;
}

export interface LimitProxyOptions {
  /** The Kinesis endpoint behind the proxy (kinesalite). */
  upstream: string;
  port: number;
  /** Enforce the per-shard write limits (default true). */
  enforceLimits?: boolean;
  shardBytesPerSec?: number;
  shardRecordsPerSec?: number;
  /** The faithful mode: read limits, iterator and shard expiry, control-plane quotas, optional on-demand resharding. */
  faithful?: FaithfulOptions;
  faults?: ProxyFaults;
  random?: () => number;
  now?: () => number;
  log?: Logger;
}

export interface LimitProxyStats extends EfoStats {
  /** PutRecords calls. */
  calls: number;
  recordsIn: number;
  recordsWritten: number;
  throttledRecords: number;
  failedRecords: number;
  errors500: number;
  droppedConnections: number;
  getRecords: number;
  /** GetRecords answered ProvisionedThroughputExceededException: over 5 calls/s, or the byte budget spent. */
  getRecordsThrottledCalls: number;
  getRecordsThrottledBytes: number;
  bytesRead: number;
  /** GetRecords answers cut to 10 MiB. */
  truncatedReads: number;
  getShardIterator: number;
  getShardIteratorThrottled: number;
  expiredIterators: number;
  /** Calls on a shard that expired (ResourceNotFoundException). */
  expiredShardCalls: number;
  /** Control-plane calls answered LimitExceededException. */
  controlPlaneLimited: number;
  onDemandSplits: number;
  onDemandMerges: number;
  /** ListShards calls failed by the `listShardsFailFraction` fault. */
  listShardsFailed: number;
}

export interface LimitProxy {
  endpoint: string;
  stats: LimitProxyStats;
  /** GetRecords calls per shard per second of the proxy's clock (last 10 minutes). */
  readCalls(): ShardSecond[];
  /** The most GetRecords calls admitted on one shard in one second. */
  maxReadCallsPerShardSecond(): number;
  /** The most GetRecords calls made on one shard — admitted or throttled — in any 1000 ms window (sliding). */
  maxReadCallsInAnySecond(): number;
  setFaults(faults: ProxyFaults): void;
  close(): Promise<void>;
}

interface InRecord {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

interface OutRecord {
  Data: string;
  PartitionKey: string;
  SequenceNumber: string;
  ApproximateArrivalTimestamp?: number;
}

type ResultRecord = { SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string };
type Upstream = { status: number; headers: Record<string, string>; body: Buffer };
/** A request over HTTP/1.1 or, through the same port, HTTP/2 (the compatibility API answers alike). */
type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

const AWS_ACCOUNT = '000000000000';
const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.1' };
const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
const DEFAULT_RETENTION_MS = 24 * 3600_000;
export const STATS_PATH = '/_centos/stats';

const streamOf = (body: { StreamName?: string; StreamARN?: string; ConsumerARN?: string }): string | undefined =>
  body.StreamName ?? streamNameOfArn(body.StreamARN ?? body.ConsumerARN ?? '');
/** Headers that describe one connection: never passed on, and forbidden in HTTP/2 answers. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'proxy-connection']);
const open = (res: Res) => !res.writableEnded && !res.destroyed;
const EFO_OPERATIONS = new Set(['RegisterStreamConsumer', 'DescribeStreamConsumer', 'ListStreamConsumers', 'DeregisterStreamConsumer']);
const recordBytes = (r: { Data: string; PartitionKey: string }) => Buffer.byteLength(r.Data, 'base64') + Buffer.byteLength(r.PartitionKey);

/**
 * A loopback proxy in front of kinesalite that does what the emulator does not. Always: the AWS
 * per-shard write limits on PutRecords (1 MB/s and 1000 records/s, one second of burst; over-limit
 * records get the per-record ProvisionedThroughputExceededException) and fault injection. In the
 * faithful mode also: the per-shard read limits shared by all callers, GetShardIterator's 5 calls/s
 * per shard, control-plane quotas, iterators that expire, closed shards that expire after the
 * retention, GetRecords answers of at most 10 MiB with MillisBehindLatest, and optional on-demand
 * resharding, and enhanced fan-out (enhancedFanOut.ts). Every other call passes through unchanged. The
 * port speaks HTTP/1.1 and HTTP/2 with prior knowledge (routeByPreface), as AWS's endpoint does. The
 * decisions are pure functions (shardReadBudget, admitCall, proxyIterator, expiredShards,
 * planOnDemandReshard, streamConsumers, subscribeAdmission, pushBudget); this file is the IO.
 */
export async function startLimitProxy(o: LimitProxyOptions): Promise<LimitProxy> {
  const random = o.random ?? Math.random;
  const now = o.now ?? Date.now;
  const enforce = o.enforceLimits ?? true;
  const bytesPerSec = o.shardBytesPerSec ?? 1_000_000;
  const recordsPerSec = o.shardRecordsPerSec ?? 1000;
  const faithful = o.faithful;
  const readLimits = faithful?.readLimits ?? AWS_READ_LIMITS;
  const iteratorTtlMs = Math.min(faithful?.iteratorTtlMs ?? 300_000, 300_000);
  let faults: ProxyFaults = { ...o.faults };
  const stats: LimitProxyStats = {
    calls: 0,
    recordsIn: 0,
    recordsWritten: 0,
    throttledRecords: 0,
    failedRecords: 0,
    errors500: 0,
    droppedConnections: 0,
    getRecords: 0,
    getRecordsThrottledCalls: 0,
    getRecordsThrottledBytes: 0,
    bytesRead: 0,
    truncatedReads: 0,
    getShardIterator: 0,
    getShardIteratorThrottled: 0,
    expiredIterators: 0,
    expiredShardCalls: 0,
    controlPlaneLimited: 0,
    onDemandSplits: 0,
    onDemandMerges: 0,
    listShardsFailed: 0,
    ...emptyEfoStats(),
  };
  const readCalls = new ShardCallCounts();
  const upstream = new URL(o.upstream);
  const client = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: o.upstream } }), { retryLayer: 'ours' });
  const kinesis = kinesisWritePortFrom(client);
  const maps = new Map<string, { map: ShardMap; at: number }>();
  const writeBuckets = new Map<string, { bytes: TokenBucket; records: TokenBucket }>();
  /** stream/shard → bytes written since the last on-demand look */
  const written = new Map<string, number>();
  const readBudgets = new Map<string, ShardReadBudget>();
  const callWindows = new Map<string, number[]>();
  /** stream/shard → when the proxy first saw it closed */
  const closedAt = new Map<string, number>();
  const retention = new Map<string, number>();
  const streams = new Set<string>();
  const listTokens = new Map<string, string>();

  // A cache of the emulator's own answer, so real time (the injected clock may stand still in tests).
  const shardMap = async (stream: string): Promise<ShardMap> => {
    const cached = maps.get(stream);
    if (cached && Date.now() - cached.at < 1000) return cached.map;
    const map = buildShardMap(await kinesis.listShards(stream));
    maps.set(stream, { map, at: Date.now() });
    return map;
  };

  const retentionMs = (stream: string) => faithful?.shardRetentionMs ?? retention.get(stream) ?? DEFAULT_RETENTION_MS;
  const expired = (stream: string, shardId: string) => shardExpired(closedAt.get(`${stream}/${shardId}`), now(), retentionMs(stream));
  const observe = (stream: string, shards: readonly ShardDescription[]) => {
    for (const s of shards) if (s.SequenceNumberRange?.EndingSequenceNumber && !closedAt.has(`${stream}/${s.ShardId}`)) closedAt.set(`${stream}/${s.ShardId}`, now());
  };
  const forget = (stream: string) => {
    streams.delete(stream);
    maps.delete(stream);
    retention.delete(stream);
    for (const m of [closedAt, readBudgets, written, callWindows, writeBuckets] as Map<string, unknown>[]) for (const k of m.keys()) if (k.startsWith(`${stream}/`)) m.delete(k);
  };
  const know = async (stream: string) => {
    if (streams.has(stream)) return;
    streams.add(stream);
    await pollStream(stream);
  };
  const pollStream = async (stream: string) => {
    try {
      observe(stream, await kinesis.listShards(stream));
      if (!faithful?.shardRetentionMs && !retention.has(stream)) {
        const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
        retention.set(stream, (d.StreamDescriptionSummary?.RetentionPeriodHours ?? 24) * 3600_000);
      }
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') forget(stream);
    }
  };

  const forward = (req: Req, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | string[] | undefined> = { host: upstream.host, 'content-length': String(body.length) };
      for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && k !== 'host' && k !== 'content-length') headers[k] = v;
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && !HOP_BY_HOP.has(k)) h[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const reply = (res: Res, status: number, headers: Record<string, string>, body: Buffer | string): void => {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const awsError = (res: Res, type: string, message: string) => reply(res, 400, { ...JSON_TYPE, 'x-amzn-errortype': type }, JSON.stringify({ __type: type, message }));
  const throttled = (res: Res, stream: string, shardId: string) =>
    awsError(res, 'ProvisionedThroughputExceededException', `Rate exceeded for shard ${shardId} in stream ${stream} under account ${AWS_ACCOUNT}.`);
  const noShard = (res: Res, stream: string, shardId: string) => {
    stats.expiredShardCalls++;
    awsError(res, 'ResourceNotFoundException', `Shard ${shardId} in stream ${stream} under account ${AWS_ACCOUNT} does not exist`);
  };
  const passJson = async (req: Req, res: Res, raw: Buffer, edit: (out: Record<string, unknown>) => Promise<void> | void) => {
    const up = await forward(req, raw);
    if (up.status !== 200) return reply(res, up.status, up.headers, up.body);
    const out = JSON.parse(up.body.toString('utf8')) as Record<string, unknown>;
    await edit(out);
    reply(res, 200, up.headers, JSON.stringify(out));
  };

  const putRecords = async (req: Req, res: Res, raw: Buffer): Promise<void> => {
    stats.calls++;
    if (random() < (faults.error500Fraction ?? 0)) {
      stats.errors500++;
      reply(res, 500, { ...JSON_TYPE, 'x-amzn-errortype': 'InternalFailure' }, JSON.stringify({ __type: 'InternalFailure', message: 'injected by the limit proxy' }));
      return;
    }
    const body = JSON.parse(raw.toString('utf8')) as { StreamName: string; Records: InRecord[] };
    if (faithful) await know(body.StreamName);
    const map = await shardMap(body.StreamName);
    const t = now();
    const results: Array<ResultRecord | undefined> = new Array(body.Records.length);
    const pass: InRecord[] = [];
    const passIndex: number[] = [];
    body.Records.forEach((r, i) => {
      stats.recordsIn++;
      const hash = r.ExplicitHashKey !== undefined ? BigInt(r.ExplicitHashKey) : hashKeyOf(r.PartitionKey);
      const shard = map.shards[shardIndexFor(map, hash)];
      const size = recordBytes(r);
      if (enforce && shard) {
        let b = writeBuckets.get(`${body.StreamName}/${shard.shardId}`);
        if (!b) writeBuckets.set(`${body.StreamName}/${shard.shardId}`, (b = { bytes: new TokenBucket(bytesPerSec, bytesPerSec, t), records: new TokenBucket(recordsPerSec, recordsPerSec, t) }));
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
      if (shard) written.set(`${body.StreamName}/${shard.shardId}`, (written.get(`${body.StreamName}/${shard.shardId}`) ?? 0) + size);
      pass.push(r);
      passIndex.push(i);
    });
    if (pass.length > 0) {
      const up = await forward(req, Buffer.from(JSON.stringify({ StreamName: body.StreamName, Records: pass })));
      if (up.status !== 200) {
        reply(res, up.status, up.headers, up.body);
        return;
      }
      const out = (JSON.parse(up.body.toString('utf8')) as { Records: ResultRecord[] }).Records;
      out.forEach((w, j) => {
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
    reply(res, 200, JSON_TYPE, JSON.stringify({ FailedRecordCount: failed, Records: results }));
  };

  const getShardIterator = async (req: Req, res: Res, raw: Buffer, body: { ShardId?: string }, stream: string): Promise<void> => {
    const shardId = body.ShardId ?? '';
    stats.getShardIterator++;
    if (expired(stream, shardId)) return noShard(res, stream, shardId);
    const w = admitCall(callWindows.get(`${stream}/${shardId}`) ?? [], faithful!.shardIteratorsPerSec ?? 5, now());
    callWindows.set(`${stream}/${shardId}`, w.recent);
    if (!w.admitted) {
      stats.getShardIteratorThrottled++;
      return throttled(res, stream, shardId);
    }
    await passJson(req, res, raw, (out) => {
      if (typeof out.ShardIterator === 'string') out.ShardIterator = wrapIterator({ issuedAt: now(), stream, shardId, upstream: out.ShardIterator });
    });
  };

  const getRecords = async (req: Req, res: Res, body: { ShardIterator?: string; Limit?: number }): Promise<void> => {
    stats.getRecords++;
    const it = unwrapIterator(body.ShardIterator ?? '');
    if (!it) return awsError(res, 'InvalidArgumentException', 'Invalid ShardIterator.');
    const key = `${it.stream}/${it.shardId}`;
    if (iteratorExpired(it.issuedAt, now(), iteratorTtlMs)) {
      stats.expiredIterators++;
      return awsError(res, 'ExpiredIteratorException', `Iterator expired. It was issued at ${new Date(it.issuedAt).toISOString()}, more than ${iteratorTtlMs} ms before ${new Date(now()).toISOString()}.`);
    }
    if (expired(it.stream, it.shardId)) return noShard(res, it.stream, it.shardId);
    const v = admitRead(readBudgets.get(key) ?? fullReadBudget(readLimits, now()), readLimits, now());
    readBudgets.set(key, v.budget);
    readCalls.record(key, now(), v.admitted);
    if (!v.admitted) {
      if (v.reason === 'calls') stats.getRecordsThrottledCalls++;
      else stats.getRecordsThrottledBytes++;
      return throttled(res, it.stream, it.shardId);
    }
    const up = await forward(req, Buffer.from(JSON.stringify({ ...body, ShardIterator: it.upstream })));
    if (up.status !== 200) return reply(res, up.status, up.headers, up.body);
    const out = JSON.parse(up.body.toString('utf8')) as { Records: OutRecord[]; NextShardIterator?: string; MillisBehindLatest?: number };
    let bytes = 0;
    let keep = out.Records.length;
    for (let i = 0; i < out.Records.length; i++) {
      const b = recordBytes(out.Records[i]!);
      if (i > 0 && bytes + b > MAX_GET_RECORDS_BYTES) {
        keep = i;
        break;
      }
      bytes += b;
    }
    const cut = keep < out.Records.length;
    if (cut) {
      stats.truncatedReads++;
      out.Records = out.Records.slice(0, keep);
      const next = await client.send(
        new GetShardIteratorCommand({ StreamName: it.stream, ShardId: it.shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: out.Records.at(-1)!.SequenceNumber }),
      );
      out.NextShardIterator = next.ShardIterator;
    }
    // kinesalite answers 0 except at a shard's end; AWS says how far the answer's last record is behind the tip.
    const last = out.Records.at(-1);
    if (last?.ApproximateArrivalTimestamp !== undefined && (cut || out.Records.length >= (body.Limit ?? 10_000))) out.MillisBehindLatest = Math.max(1, Math.round(now() - last.ApproximateArrivalTimestamp * 1000));
    stats.bytesRead += bytes;
    readBudgets.set(key, chargeRead(readBudgets.get(key) ?? fullReadBudget(readLimits, now()), bytes, readLimits, now()));
    if (out.NextShardIterator) out.NextShardIterator = wrapIterator({ issuedAt: now(), stream: it.stream, shardId: it.shardId, upstream: out.NextShardIterator });
    reply(res, 200, up.headers, JSON.stringify(out));
  };

  const listShards = (req: Req, res: Res, raw: Buffer, body: { NextToken?: string }, stream: string | undefined) =>
    passJson(req, res, raw, (out) => {
      const name = stream ?? listTokens.get(body.NextToken ?? '');
      if (!name) return;
      const shards = (out.Shards ?? []) as ShardDescription[];
      observe(name, shards);
      out.Shards = withoutExpired(shards, (id) => closedAt.get(`${name}/${id}`), now(), retentionMs(name));
      if (typeof out.NextToken === 'string') {
        if (listTokens.size > 1000) listTokens.clear();
        listTokens.set(out.NextToken, name);
      }
    });

  const describeStream = (req: Req, res: Res, raw: Buffer, stream: string) =>
    passJson(req, res, raw, (out) => {
      const d = out.StreamDescription as { Shards?: ShardDescription[] } | undefined;
      if (!d?.Shards) return;
      observe(stream, d.Shards);
      d.Shards = withoutExpired(d.Shards, (id) => closedAt.get(`${stream}/${id}`), now(), retentionMs(stream));
    });

  const faithfulCall = async (req: Req, res: Res, raw: Buffer, op: string): Promise<void> => {
    const body = (raw.length ? JSON.parse(raw.toString('utf8')) : {}) as Record<string, unknown>;
    const stream = streamOf(body as { StreamName?: string; StreamARN?: string });
    const qk = quotaKey(op, stream);
    if (qk) {
      const w = admitCall(callWindows.get(qk) ?? [], CONTROL_PLANE_QUOTAS[op]!.perSec, now());
      callWindows.set(qk, w.recent);
      if (!w.admitted) {
        stats.controlPlaneLimited++;
        return awsError(res, 'LimitExceededException', `Rate exceeded for ${op}${CONTROL_PLANE_QUOTAS[op]!.scope === 'stream' ? ` on stream ${stream}` : ''} under account ${AWS_ACCOUNT}.`);
      }
    }
    if (stream && op !== 'CreateStream' && op !== 'DeleteStream') await know(stream);
    switch (op) {
      case 'GetShardIterator':
        return getShardIterator(req, res, raw, body as { ShardId?: string }, stream ?? '');
      case 'GetRecords':
        return getRecords(req, res, body as { ShardIterator?: string; Limit?: number });
      case 'ListShards':
        return listShards(req, res, raw, body as { NextToken?: string }, stream);
      case 'DescribeStream':
        return describeStream(req, res, raw, stream ?? '');
      case 'SubscribeToShard':
        return efo.subscribe(body, subscribeSink(req, res));
      case 'DeleteStream':
      case 'CreateStream': {
        const up = await forward(req, raw);
        if (stream) forget(stream);
        if (stream && op === 'DeleteStream') efo.forgetStream(stream);
        return reply(res, up.status, up.headers, up.body);
      }
      case 'IncreaseStreamRetentionPeriod':
      case 'DecreaseStreamRetentionPeriod': {
        const up = await forward(req, raw);
        if (stream) retention.delete(stream);
        return reply(res, up.status, up.headers, up.body);
      }
      default: {
        if (EFO_OPERATIONS.has(op)) {
          const a = await efo.call(op, body);
          return 'ok' in a ? reply(res, 200, JSON_TYPE, JSON.stringify(a.ok)) : awsError(res, a.error, a.message);
        }
        const up = await forward(req, raw);
        return reply(res, up.status, up.headers, up.body);
      }
    }
  };

  const efo = createEnhancedFanOut({ upstream: client, now, stats, shardGone: expired, ...(faithful?.efo ? { options: faithful.efo } : {}), ...(o.log ? { log: o.log } : {}) });
  const subscribeSink = (req: Req, res: Res): SubscribeSink => ({
    refuse: (type, message) => awsError(res, type, message),
    start: () => res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() }),
    send: (frame) => {
      // Both response kinds take bytes; their overload lists differ, so TypeScript cannot call the union.
      if (open(res)) (res as { write(chunk: Uint8Array): boolean }).write(frame);
    },
    end: () => {
      if (open(res)) res.end();
    },
    onClose: (cb) => {
      res.on('close', cb);
      req.on('close', cb);
    },
  });

  const onDemandStep = async (od: OnDemandOptions, elapsedMs: number) => {
    const policy: OnDemandPolicy = { splitAboveBytesPerSec: 500_000, mergeBelowBytesPerSec: 50_000, minShards: 1, maxShards: 16, ...od };
    for (const stream of streams) {
      const open = (await kinesis.listShards(stream)).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
      const loads = open.map((s) => ({
        shardId: s.ShardId!,
        startingHashKey: BigInt(s.HashKeyRange!.StartingHashKey!),
        endingHashKey: BigInt(s.HashKeyRange!.EndingHashKey!),
        bytesPerSec: ((written.get(`${stream}/${s.ShardId}`) ?? 0) * 1000) / Math.max(1, elapsedMs),
      }));
      for (const k of [...written.keys()]) if (k.startsWith(`${stream}/`)) written.delete(k);
      const action = planOnDemandReshard(loads, policy);
      if (!action) continue;
      try {
        if (action.kind === 'split') {
          await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: action.shardId, NewStartingHashKey: action.newStartingHashKey }));
          stats.onDemandSplits++;
        } else {
          await client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: action.shardId, AdjacentShardToMerge: action.adjacentShardId }));
          stats.onDemandMerges++;
        }
        o.log?.info({ stream, ...action }, `on-demand ${action.kind}`);
      } catch (err) {
        // The stream is UPDATING (another reshard) or was deleted: try again next interval.
        o.log?.debug({ stream, err: (err as Error).message }, 'on-demand reshard skipped');
      }
    }
  };

  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<void>>();
  /** Runs `job` every `ms`, skipping a turn while the previous run is still going. */
  const every = (ms: number, job: () => Promise<void>) => {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      const p = job()
        .catch((err: Error) => o.log?.debug({ err: err.message }, 'faithful proxy background job failed'))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    }, ms);
    t.unref();
    timers.push(t);
  };
  if (faithful) {
    every(faithful.shardPollMs ?? 1000, async () => {
      for (const s of [...streams]) await pollStream(s);
    });
    const od = faithful.onDemand;
    if (od) {
      let last = Date.now();
      every(od.intervalMs, async () => {
        const t = Date.now();
        await onDemandStep(od, t - last);
        last = t;
      });
    }
  }

  const statsBody = () => JSON.stringify({ ...stats, maxReadCallsPerShardSecond: readCalls.maxAdmittedPerSecond(), maxReadCallsInAnySecond: readCalls.maxCallsInAnySecond(), readCalls: readCalls.list() });

  const handle = (req: Req, res: Res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.method === 'GET' && req.url === STATS_PATH) return reply(res, 200, { 'content-type': 'application/json' }, statsBody());
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      if (op === 'ListShards' && random() < (faults.listShardsFailFraction ?? 0)) {
        stats.listShardsFailed++;
        return awsError(res, 'LimitExceededException', `Rate exceeded for ListShards under account ${AWS_ACCOUNT} (injected by the limit proxy).`);
      }
      const handle =
        op === 'PutRecords'
          ? putRecords(req, res, raw)
          : faithful
            ? faithfulCall(req, res, raw, op)
            : forward(req, raw).then((up) => reply(res, up.status, up.headers, up.body));
      handle.catch((err: unknown) => {
        if (res.headersSent || req.socket.destroyed) return;
        reply(res, 500, JSON_TYPE, JSON.stringify({ __type: 'InternalFailure', message: `limit proxy: ${(err as Error).message}` }));
      });
    });
  };
  // One port, as AWS: HTTP/2 with prior knowledge (the SDK's NodeHttp2Handler, SubscribeToShard) or HTTP/1.1.
  const http1 = createServer(handle);
  const http2 = createHttp2Server(handle);
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    routeByPreface(socket, (isHttp2) => (isHttp2 ? http2 : http1).emit('connection', socket));
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
    readCalls: () => readCalls.list(),
    maxReadCallsPerShardSecond: () => readCalls.maxAdmittedPerSecond(),
    maxReadCallsInAnySecond: () => readCalls.maxCallsInAnySecond(),
    setFaults(f) {
      faults = { ...f };
    },
    async close() {
      for (const t of timers) clearInterval(t);
      await Promise.all(running);
      efo.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
      client.destroy();
    },
  };
}
