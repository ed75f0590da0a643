import { after, before } from 'node:test';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/awsClients.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import type { LimitProxy } from '../../src/local/startLimitProxy.ts';
import { startTestStack, type TestStack } from './testStack.ts';

/**
 * One kinesalite for a test file (started before, closed after), a client straight to it, and lists the
 * tests put their faithful proxies and SDK clients on so they are closed with it.
 */
export function faithfulHarness() {
  const h = {
    stack: undefined as unknown as TestStack,
    direct: undefined as unknown as KinesisClient,
    proxies: [] as LimitProxy[],
    clients: [] as KinesisClient[],
  };
  before(async () => {
    h.stack = await startTestStack();
    h.direct = createKinesisClient(configSchema.parse({ aws: { kinesisEndpoint: h.stack.kinesisEndpoint } }));
    h.clients.push(h.direct);
  });
  after(async () => {
    for (const c of h.clients) c.destroy();
    for (const p of h.proxies) await p.close();
    await h.stack.close();
  });
  return h;
}
