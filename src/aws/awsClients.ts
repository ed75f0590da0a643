import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
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

export interface ClientOptions {
  maxSockets?: number;
  requestTimeoutMs?: number;
  /** SDK-level attempts; our own retry helper wraps the calls that matter. */
  maxAttempts?: number;
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

/** The one Kinesis client factory. */
export function createKinesisClient(config: Config, o: ClientOptions = {}): KinesisClient {
  const endpoint = config.aws.kinesisEndpoint;
  const local = isLocalEndpoint(endpoint);
  guardLocal(local);
  return new KinesisClient({
    ...regionOption(config, local),
    requestHandler: httpHandler(o.maxSockets ?? 64, o.requestTimeoutMs ?? 30_000),
    maxAttempts: o.maxAttempts ?? 3,
    ...(endpoint ? { endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

/** The one S3 client factory. */
export function createS3Client(config: Config, o: ClientOptions = {}): S3Client {
  const endpoint = config.aws.s3Endpoint;
  const local = isLocalEndpoint(endpoint);
  guardLocal(local);
  return new S3Client({
    ...regionOption(config, local),
    requestHandler: httpHandler(o.maxSockets ?? 64, o.requestTimeoutMs ?? 60_000),
    maxAttempts: o.maxAttempts ?? 3,
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
