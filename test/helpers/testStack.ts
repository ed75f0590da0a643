import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Settings } from '../../src/config/loadConfig.ts';
import type { FaithfulOptions } from '../../src/local/startLimitProxy.ts';
import { startLocalStack, type LocalStack } from '../../src/local/startLocalStack.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface TestStack extends LocalStack {
  dir: string;
  /** Settings pointing at this stack, with overrides by key path. */
  settings(flags?: Record<string, unknown>): Settings;
}

/**
 * A real kinesalite + s3rver on free loopback ports, data in a fresh temp dir; with `faithful`, behind the
 * faithful proxy (AWS read and write limits, quotas, expiring iterators and shards), whose endpoint is then
 * `kinesisEndpoint` and whose counters are `proxy.stats`.
 */
export async function startTestStack(o: { faithful?: FaithfulOptions } = {}): Promise<TestStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'centos-test-'));
  const stack = await startLocalStack({ dataDir: path.join(dir, 'local'), kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0, ...(o.faithful ? { limits: { faithful: o.faithful } } : {}) });
  return {
    ...stack,
    dir,
    settings(flags = {}) {
      return loadConfig({
        cwd: dir,
        env: {},
        flags: {
          'aws.kinesisEndpoint': stack.kinesisEndpoint,
          'aws.s3Endpoint': stack.s3Endpoint,
          'db.url': `sqlite:${path.join(dir, 'centos.db')}`,
          'paths.generated': path.join(dir, 'generated'),
          'paths.watch': path.join(dir, 'watch'),
          'paths.done': path.join(dir, 'done'),
          'paths.rejected': path.join(dir, 'rejected'),
          'paths.deadLetters': path.join(dir, 'dead-letters'),
          ...flags,
        },
      });
    },
    async close() {
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
