import { createKinesisClient, kinesisEndpoint } from '../../aws/awsClients.ts';
import { KinesisError } from '../KinesisError.ts';
import type { Config } from '../../config/configSchema.ts';
import type { Logger } from '../../log/createLogger.ts';
import { sdkEfoPort, type EfoPort } from './EfoPort.ts';
import { ensureStreamConsumer, forgetStreamConsumers } from './ensureStreamConsumer.ts';
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
  const sdk = sdkEfoPort(control, stream, config.stream.name);
  // One registration check per process, not one control-plane call per subscription (DescribeStreamSummary is limited per account).
  let arn: Promise<string> | undefined;
  const consumerArn = () => {
    if (!arn) {
      const p = ensureStreamConsumer({ efo: sdk, name: appName, endpoint: kinesisEndpoint(config), log, activeTimeoutMs: config.efo.activeTimeoutMs, ...(signal ? { signal } : {}) }).then((c) => c.arn);
      p.catch(() => {
        if (arn === p) arn = undefined;
      });
      arn = p;
    }
    return arn;
  };
  const port: EfoPort = {
    ...sdk,
    async subscribe(consumer, shardId, start, s) {
      try {
        return await sdk.subscribe(consumer, shardId, start, s);
      } catch (err) {
        // The consumer was deregistered (or the stream re-created): register again on the next subscription.
        if (err instanceof KinesisError && err.awsCode === 'ResourceNotFoundException') {
          arn = undefined;
          forgetStreamConsumers();
        }
        throw err;
      }
    },
  };
  return {
    port,
    consumerArn,
    openSubscriptions: () => handler.openConnections,
    close() {
      handler.destroy();
      stream.destroy();
      control.destroy();
    },
  };
}
