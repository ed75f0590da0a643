import type { Settings } from '../config/loadConfig.ts';
import type { ProcessorFactory } from '../coordinator/ShardProcessor.ts';
import type { Logger } from '../log/createLogger.ts';
import type { Store } from '../store/Store.ts';

export interface RoleEnv {
  settings: Settings;
  store: Store;
  log: Logger;
}

export interface RoleInstance {
  processor: ProcessorFactory;
  close(): Promise<void>;
  /** The role's own running totals (e.g. duplicates dropped), for /metrics. */
  stats?(): Record<string, number>;
}

/** A consumer application centos can run: its app name and how to build its processor. */
export interface ConsumerRole {
  /** The role's key (`consume --role <name>`, `consumerMode.<name>`). */
  name: 'dashboard' | 'archive';
  description: string;
  appName(settings: Settings): string;
  create(env: RoleEnv): Promise<RoleInstance>;
}
