import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config/configSchema.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True when the endpoint is on this machine (an emulator): static credentials, never the metadata service. */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    return LOOPBACK.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** HTTP/1.1 keep-alive: the emulators do not speak the SDK's HTTP/2 default, and it is what we want against AWS too. */
function httpHandler(maxSockets: number, requestTimeoutMs: number): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 3_000,
    requestTimeout: requestTimeoutMs,
  });
}

/**
 * Which layer retries a client's calls: exactly one, never both (stacked, 3 SDK attempts inside
 * each of ours multiply the waits and hide throttling from our pacing).
 * - `ours`: the SDK makes one attempt; the caller's loop retries with a named policy from
 *   `util/retry.ts`, judged by the typed error's `retriable` and ended by its AbortSignal. For the
 *   Kinesis data plane (consumers' reads and starts, the producer, audit, the limit proxy) and the
 *   archive's S3 uploads.
 * - `sdk`: the SDK's standard retry (throttling-aware backoff, retry quota), for calls without a
 *   loop of ours: `centos setup` (CreateStream, DescribeStreamSummary, CreateBucket, …), S3
 *   reads and deletes of replay, audit and the scheduler's clean-up, and the tools (chaos, tests,
 *   benchmarks).
 */
export type RetryLayer = 'ours' | 'sdk';

/** Attempts per call when the SDK's standard retry is the layer that retries. */
export const SDK_MAX_ATTEMPTS = 3;

export interface ClientOptions {
  maxSockets?: number;
  requestTimeoutMs?: number;
  /** Who retries; default `sdk` (see RetryLayer). */
  retryLayer?: RetryLayer;
  /** Kinesis only: instead of the HTTP/1.1 handler (enhanced fan-out subscriptions need HTTP/2). */
  requestHandler?: KinesisClientConfig['requestHandler'];
}

const maxAttemptsFor = (o: ClientOptions) => (o.retryLayer === 'ours' ? 1 : SDK_MAX_ATTEMPTS);

/** For messages: where a client sends its calls (its endpoint, or AWS's endpoint of its region). */
export async function clientEndpoint(client: KinesisClient | S3Client, service: 'kinesis' | 's3'): Promise<string> {
  const e = await client.config.endpoint?.();
  if (e) return `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path && e.path !== '/' ? e.path : ''}`;
  const region = await client.config.region().catch(() => '<SDK region>');
  return `https://${service}.${region}.amazonaws.com`;
}

/** For messages: the endpoint, or AWS's endpoint of the region (the SDK's own lookup when `region` is unset). */
export function kinesisEndpoint(config: Config): string {
  return config.aws.kinesisEndpoint ?? `https://kinesis.${config.region ?? '<SDK region>'}.amazonaws.com`;
}

export function s3Endpoint(config: Config): string {
  return config.aws.s3Endpoint ?? `https://s3.${config.region ?? '<SDK region>'}.amazonaws.com`;
}

/** The configured region; unset, the SDK's own chain decides, except against an emulator (any region works there). */
function regionOption(config: Config, local: boolean): { region?: string } {
  const region = config.region ?? (local ? 'us-east-1' : undefined);
  return region ? { region } : {};
}

/** Against an emulator the SDK must never probe the instance-metadata address. */
function guardLocal(local: boolean): void {
  if (local) process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

/** The one Kinesis client factory; `o.retryLayer` says who retries its calls (see RetryLayer). */
export function createKinesisClient(config: Config, o: ClientOptions = {}): KinesisClient {
  const endpoint = config.aws.kinesisEndpoint;
  const local = isLocalEndpoint(endpoint);
  guardLocal(local);
  return new KinesisClient({
    ...regionOption(config, local),
    requestHandler: o.requestHandler ?? httpHandler(o.maxSockets ?? 64, o.requestTimeoutMs ?? 30_000),
    maxAttempts: maxAttemptsFor(o),
    ...(endpoint ? { endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

/** The one S3 client factory; `o.retryLayer` says who retries its calls (see RetryLayer). */
export function createS3Client(config: Config, o: ClientOptions = {}): S3Client {
  const endpoint = config.aws.s3Endpoint;
  const local = isLocalEndpoint(endpoint);
  guardLocal(local);
  return new S3Client({
    ...regionOption(config, local),
    requestHandler: httpHandler(o.maxSockets ?? 64, o.requestTimeoutMs ?? 60_000),
    maxAttempts: maxAttemptsFor(o),
    ...(endpoint ? { endpoint } : {}),
    ...(local
      ? {
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });
}
