import type { Config } from '../config/configSchema.ts';
import type { SessionLimits } from './mysqlStore.ts';

/** What a store is for: a worker's commits and reads, its lease renewals, or long one-off work (setup, audit). */
export type StoreUse = 'work' | 'leases' | 'long';

/**
 * Session limits for one use, from the config. The server ends a silent session (and rolls back
 * its transaction) before the lease it fenced could be taken, so a stuck worker's row lock never
 * outlives its lease; lease statements give up on a locked row within a second.
 */
export function sessionLimitsFor(config: Pick<Config, 'db' | 'coordinator'>, use: StoreUse): SessionLimits {
  const { db, coordinator: c } = config;
  const idle = db.idleSessionTimeoutSeconds ?? Math.max(1, Math.floor((c.leaseDurationMs - c.renewIntervalMs) / 1000));
  const base: SessionLimits = { queryTimeoutMs: db.queryTimeoutMs, lockWaitTimeoutS: db.lockWaitTimeoutSeconds, idleSessionTimeoutS: idle, keepAliveMs: db.keepAliveMs, connectTimeoutMs: db.connectTimeoutMs };
  if (use === 'leases') return { ...base, lockWaitTimeoutS: 1, queryTimeoutMs: Math.min(db.queryTimeoutMs, Math.max(2_000, Math.floor(c.leaseDurationMs / 2))) };
  if (use === 'long') return { ...base, queryTimeoutMs: Math.max(db.queryTimeoutMs, 3_600_000) };
  return base;
}
