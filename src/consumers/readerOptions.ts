import type { Config } from '../config/configSchema.ts';
import type { ReaderOptions } from '../kinesis/ShardReader.ts';

/** How a reader paces and sizes its GetRecords calls (the consumers and `audit --stream`). */
export function readerOptions(c: Config['coordinator']): ReaderOptions {
  return {
    maxRecordsPerFetch: c.maxRecordsPerFetch,
    maxBytesPerFetch: c.maxBytesPerFetch,
    intervalMs: c.readIntervalMs,
    share: c.readShare,
    shardBytesPerSec: c.shardReadBytesPerSec,
    shardCallsPerSec: c.shardReadCallsPerSec,
    idleMs: c.idleReadMs,
    idleMaxMs: c.idleReadMaxMs,
  };
}
