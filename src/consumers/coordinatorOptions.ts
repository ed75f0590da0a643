import type { Config } from '../config/configSchema.ts';
import type { CoordinatorOptions } from '../coordinator/CoordinatorOptions.ts';
import { readerOptions } from './readerOptions.ts';

/** The coordinator runtime's options from the `coordinator` config section. */
export function coordinatorOptions(c: Config['coordinator']): CoordinatorOptions {
  return {
    leaseDurationMs: c.leaseDurationMs,
    renewIntervalMs: c.renewIntervalMs,
    takeIntervalMs: c.takeIntervalMs,
    shardSyncIntervalMs: c.shardSyncIntervalMs,
    watchdogMs: c.watchdogMs,
    memoryBudgetBytes: c.memoryBudgetBytes,
    ...readerOptions(c),
  };
}
