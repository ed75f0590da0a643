import { CentosError, describeCause } from '../errors.ts';

// MySQL: deadlock, lock wait timeout, connection errors. SQLite: busy/locked.
const RETRIABLE_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** A database call failed; `retriable` says whether the same call may succeed later. */
export class StoreError extends CentosError {
  readonly code: string | undefined;
  constructor(description: string, cause: unknown) {
    const code = (cause as { code?: string })?.code;
    super(`database ${description}: ${describeCause(cause)}`, { retriable: code !== undefined && RETRIABLE_CODES.has(code), cause });
    this.code = code;
  }
}

/** The schema is missing: `centos setup` has not run against this database. */
export function isMissingTable(err: unknown): boolean {
  const e = err instanceof StoreError ? err : undefined;
  return e !== undefined && (e.code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(e.message));
}
