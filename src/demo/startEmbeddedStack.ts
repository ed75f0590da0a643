import path from 'node:path';
import type { Logger } from '../log/createLogger.ts';
import type { FaithfulOptions } from '../local/startLimitProxy.ts';
import { startLocalStack, type LocalStack } from '../local/startLocalStack.ts';

/**
 * The throwaway stack `demo` and `chaos` run on: Kinesis in memory and S3 under `dir/local`, free
 * loopback ports; with `faithful`, behind the faithful proxy.
 */
export function startEmbeddedStack(dir: string, log: Logger, faithful: FaithfulOptions | undefined): Promise<LocalStack> {
  return startLocalStack({
    dataDir: path.join(dir, 'local'),
    kinesisPort: 0,
    s3Port: 0,
    persist: false,
    streamDelayMs: 0,
    ...(faithful ? { limits: { log, faithful } } : {}),
  });
}
