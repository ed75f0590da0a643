export type Dialect = 'mysql' | 'sqlite';

export interface ExecuteResult {
  /** Rows the statement matched (MySQL runs with FOUND_ROWS, so both dialects agree). */
  affectedRows: number;
}

/** The SQL calls centos makes; `?` placeholders in both dialects. */
export interface SqlExecutor {
  readonly dialect: Dialect;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  execute(sql: string, params?: readonly unknown[]): Promise<ExecuteResult>;
}

export interface TransactionOptions {
  /** Abandons the transaction when aborted: its pending statement fails and its connection is destroyed. */
  signal?: AbortSignal;
}

/** The database port: MySQL (production) or SQLite (embedded), chosen by `db.url`. */
export interface Store extends SqlExecutor {
  /** Runs `fn` in one transaction: commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** The URL with any password removed, for messages. */
  readonly description: string;
  close(): Promise<void>;
}
