import type { Config } from '../../config/configSchema.ts';
import type { EfoPort } from './EfoPort.ts';
import type { ConsumerMode } from './planConsumerPrune.ts';

export interface AppMode {
  /** The config key of the application (`archive`, `dashboard`). */
  role: string;
  /** Its application name: also the name of its stream consumer. */
  name: string;
  mode: ConsumerMode;
}

export interface ConsumerRow {
  name: string;
  status: string;
  arn: string;
  /** The application it belongs to, if one of ours, with that application's configured mode. */
  role?: string;
  mode?: ConsumerMode;
}

/** Our applications with their consumer names and configured modes. */
export function appModes(config: Config): AppMode[] {
  return [
    { role: 'archive', name: config.apps.archive, mode: config.consumerMode.archive },
    { role: 'dashboard', name: config.apps.dashboard, mode: config.consumerMode.dashboard },
  ];
}

/** Every consumer registered on the stream, ours marked with our application and its mode. */
export async function streamConsumers(efo: EfoPort, apps: readonly AppMode[]): Promise<ConsumerRow[]> {
  const registered = await efo.listConsumers(await efo.streamArn());
  return registered
    .map((c) => {
      const app = apps.find((a) => a.name === c.name);
      return { name: c.name, status: c.status, arn: c.arn, ...(app ? { role: app.role, mode: app.mode } : {}) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
