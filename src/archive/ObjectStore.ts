import { CentosError } from '../errors.ts';

export interface ListedObject {
  key: string;
  size: number;
  lastModifiedMs: number;
}

/** The S3 calls the archive makes. */
export interface ObjectStore {
  /** Writes the whole object (multipart above the configured part size). */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Every object under the prefix, in key order, across pages. */
  list(prefix: string): AsyncIterable<ListedObject>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

/** An object-store call failed; `retriable` when the same call may succeed later (network, throttling, 5xx). */
export class ObjectStoreError extends CentosError {
  readonly key: string;
  constructor(operation: string, key: string, cause: unknown, retriable: boolean) {
    super(`S3 ${operation} ${key}: ${cause instanceof Error ? cause.message || cause.name : String(cause)}`, { retriable, cause });
    this.key = key;
  }
}
