import { createKinesisClient, kinesisEndpoint } from '../../aws/awsClients.ts';
import type { Config } from '../../config/configSchema.ts';
import type { Logger } from '../../log/createLogger.ts';
import { sdkEfoPort, type EfoPort } from './EfoPort.ts';
import { ensureStreamConsumer } from './ensureStreamConsumer.ts';
import { Http2StreamHandler } from './Http2StreamHandler.ts';

/** What every shard of one application's worker shares in enhanced fan-out mode. */
export interface EfoSource {
  port: EfoPort;
  /** The application's consumer ARN, registered and ACTIVE (one registration per process). */
  consumerArn: () => Promise<string>;
  /** HTTP/2 subscription connections open now. */
  openSubscriptions(): number;
  close(): void;
}

/** Kinesis clients for enhanced fan-out: control plane over HTTP/1.1, subscriptions over HTTP/2. */
export function createEfoSource(config: Config, appName: string, log: Logger, signal?: AbortSignal): EfoSource {
  const control = createKinesisClient(config, { retryLayer: 'ours' });
  const handler = new Http2StreamHandler({ idleTimeoutMs: config.efo.idleTimeoutMs });
  // One attempt: the reader decides about retries (ResourceInUse, the 1/s limit) itself.
  const stream = createKinesisClient(config, { retryLayer: 'ours', requestHandler: handler });
  const port = sdkEfoPort(control, stream, config.stream.name);
  return {
    port,
    consumerArn: async () => (await ensureStreamConsumer({ efo: port, name: appName, endpoint: kinesisEndpoint(config), log, activeTimeoutMs: config.efo.activeTimeoutMs, ...(signal ? { signal } : {}) })).arn,
    openSubscriptions: () => handler.openConnections,
    close() {
      handler.destroy();
      stream.destroy();
      control.destroy();
    },
  };
}
