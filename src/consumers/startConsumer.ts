import { createKinesisClient } from '../aws/awsClients.ts';
import type { Settings } from '../config/loadConfig.ts';
import type { ConsumerObserver } from '../coordinator/ConsumerObserver.ts';
import { runConsumer, type ConsumerHandle } from '../coordinator/runConsumer.ts';
import type { IteratorStart } from '../kinesis/KinesisReadPort.ts';
import { sdkKinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import { openConfiguredStore } from '../store/openStore.ts';
import { createEfoSource } from '../kinesis/efo/createEfoSource.ts';
import { efoRecordSource } from '../kinesis/efo/createRecordSource.ts';
import type { ConsumerRole } from './ConsumerRole.ts';
import { coordinatorOptions } from './coordinatorOptions.ts';

export function initialPositionOf(settings: Settings): IteratorStart {
  const s = settings.config.stream;
  if (s.initialPosition === 'AT_TIMESTAMP') return { type: 'AT_TIMESTAMP', timestampMs: Date.parse(s.initialTimestamp ?? new Date().toISOString()) };
  return { type: s.initialPosition };
}

export interface RunningConsumer {
  handle: ConsumerHandle;
  /** Graceful stop, then closes the clients. */
  stop(): Promise<void>;
  /** The role's own running totals (empty for a role that keeps none). */
  roleStats(): Record<string, number>;
}

/** Wires a consumer role to the coordinator runtime with the configured store and Kinesis client. */
export async function startConsumer(settings: Settings, role: ConsumerRole, log: Logger, workerId?: string, observer?: ConsumerObserver): Promise<RunningConsumer> {
  const { config } = settings;
  const store = openConfiguredStore(settings);
  const leaseStore = openConfiguredStore(settings, 'leases');
  // Throttling is paced by the reader, not retried blindly by the SDK (its retries would count against the shard's limit).
  const kinesis = createKinesisClient(config, { retryLayer: 'ours' });
  const instance = await role.create({ settings, store, log });
  const mode = config.consumerMode[role.name];
  const efo = mode === 'efo' ? createEfoSource(config, role.appName(settings), log) : undefined;
  const handle = runConsumer({
    mode,
    app: role.appName(settings),
    processor: instance.processor,
    options: coordinatorOptions(config.coordinator),
    initialPosition: initialPositionOf(settings),
    deps: { store, leaseStore, kinesis: sdkKinesisReadPort(kinesis, config.stream.name), log, ...(observer ? { observer } : {}), ...(efo ? { records: efoRecordSource(efo) } : {}) },
    ...(workerId ? { workerId } : {}),
  });
  let stopped: Promise<void> | undefined;
  return {
    handle,
    roleStats: () => instance.stats?.() ?? {},
    stop() {
      stopped ??= (async () => {
        await handle.stop();
        await instance.close();
        kinesis.destroy();
        efo?.close();
        await store.close();
        await leaseStore.close();
      })();
      return stopped;
    },
  };
}
