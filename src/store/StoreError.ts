import { CentosError, describeCause } from '../errors.ts';

// Errors after which the same statement may succeed on another try (and another connection).
const RETRIABLE_CODES = new Set([
  // Contention: deadlock, lock wait timeout.
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  // The connection broke, hung (our statement timeout) or the server went away, or is going away.
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  // A fail-over: the old writer is read-only now (1290 --read-only, 1792 read-only transaction).
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
const RETRIABLE_ERRNOS = new Set([1205, 1213, 1040, 1053, 1290, 1317, 1792, 1927, 2006, 2013, 4031]);

// After these the connection itself is suspect (broken, hung, killed, or attached to a demoted
// writer): it is destroyed, never handed back to the pool.
const SPOILING_ERRNOS = new Set([1053, 1290, 1792, 1927, 4031]);

interface DriverError {
  code?: string;
  errno?: number | string;
  fatal?: boolean;
}

/** Whether a driver error may succeed on retry. */
export function isRetriableDbError(cause: unknown): boolean {
  const e = (cause ?? {}) as DriverError;
  return (e.code !== undefined && RETRIABLE_CODES.has(e.code)) || (typeof e.errno === 'number' && RETRIABLE_ERRNOS.has(e.errno));
}

/** Whether the connection that raised this driver error must be destroyed instead of reused. */
export function isConnectionSpoiled(cause: unknown): boolean {
  const e = (cause ?? {}) as DriverError;
  if (e.fatal === true) return true;
  // A server error (positive errno) leaves the connection usable unless it says otherwise.
  if (typeof e.errno === 'number' && e.errno > 0) return SPOILING_ERRNOS.has(e.errno) || (e.errno >= 2000 && e.errno < 3000);
  // Client-side failures (our statement timeout, socket and DNS errors) carry a code and no server errno.
  return e.code !== undefined;
}

/** A database call failed; `retriable` says whether the same call may succeed later. */
export class StoreError extends CentosError {
  readonly code: string | undefined;
  constructor(description: string, cause: unknown) {
    const code = (cause as { code?: string })?.code;
    super(`database ${description}: ${describeCause(cause)}`, { retriable: isRetriableDbError(cause), cause });
    this.code = code;
  }
}

/** The schema is missing: `centos setup` has not run against this database. */
export function isMissingTable(err: unknown): boolean {
  const e = err instanceof StoreError ? err : undefined;
  return e !== undefined && (e.code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(e.message));
}

/** A unique or primary key already holds this value. */
export function isDuplicateKey(err: unknown): boolean {
  const code = err instanceof StoreError ? err.code : undefined;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
