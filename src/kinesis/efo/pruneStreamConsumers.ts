import type { Logger } from '../../log/createLogger.ts';
import type { EfoPort } from './EfoPort.ts';
import { forgetStreamConsumers } from './ensureStreamConsumer.ts';
import { planConsumerPrune, type ConsumerMode } from './planConsumerPrune.ts';

/**
 * Deregisters the stream consumers of our applications that read by polling now (each one
 * registered costs per shard-hour on AWS). Returns the names deregistered.
 */
export async function pruneStreamConsumers(efo: EfoPort, apps: ReadonlyArray<{ name: string; mode: ConsumerMode }>, log: Logger): Promise<string[]> {
  const streamArn = await efo.streamArn();
  const names = planConsumerPrune(await efo.listConsumers(streamArn), apps);
  for (const name of names) {
    await efo.deregisterConsumer(streamArn, name);
    log.info({ consumer: name, stream: streamArn }, 'deregistered the enhanced fan-out consumer of an application that reads by polling');
  }
  if (names.length > 0) forgetStreamConsumers();
  return names;
}
