import type { Config } from '../config/configSchema.ts';
import type { FaithfulOptions } from './startLimitProxy.ts';

/** The faithful proxy's options from the `local` config keys. */
export function faithfulOptions(local: Config['local']): FaithfulOptions {
  return {
    iteratorTtlMs: local.iteratorTtlMs,
    ...(local.shardRetentionMs !== undefined ? { shardRetentionMs: local.shardRetentionMs } : {}),
    ...(local.onDemandIntervalMs > 0 ? { onDemand: { intervalMs: local.onDemandIntervalMs } } : {}),
  };
}
