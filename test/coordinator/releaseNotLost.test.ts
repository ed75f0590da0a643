import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { runConsumer } from '../../src/coordinator/runConsumer.ts';
import { sdkKinesisReadPort } from '../../src/kinesis/KinesisReadPort.ts';
import type { Store } from '../../src/store/Store.ts';
import { fastCoordinator, makeEnv, recorder, silentLog, waitFor, type Env } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
let env: Env | undefined;
before(async () => {
  stack = await startTestStack();
  env = await makeEnv(stack, 'sqlite', 1);
});
after(async () => {
  await env?.close();
  await stack.close();
});

/**
 * Seen in test/dashboard/dbFaults.test.ts under load: a planning cycle already running when stop()
 * was called read the lease table after this worker had released a shard but before the task was
 * forgotten, took "owner NULL" for a steal and counted the release as a lost lease. This forces
 * that interleaving through the lease store: the cycle's listing waits for the release, and the
 * release returns only after the cycle has compared.
 */
it('a planning cycle that sees a lease this worker is releasing does not count it as lost', async () => {
  const real = env!.store;
  let armed = false;
  let planStarted!: () => void;
  const planning = new Promise<void>((r) => (planStarted = r));
  let released!: () => void;
  const releaseDone = new Promise<void>((r) => (released = r));
  let compared!: () => void;
  const cycleCompared = new Promise<void>((r) => (compared = r));
  const gated: Store = {
    ...real,
    dialect: real.dialect,
    description: real.description,
    transaction: (fn, o) => real.transaction(fn, o),
    close: () => real.close(),
    async query<T>(sql: string, params?: readonly unknown[]) {
      if (armed && / AS now$/.test(sql)) planStarted();
      if (armed && sql.startsWith('SELECT * FROM leases WHERE app = ?')) await releaseDone;
      const rows = await real.query<T>(sql, params);
      // The cycle compares its tasks with the lease rows right after listing the workers.
      if (armed && sql.startsWith('SELECT * FROM workers WHERE app = ?')) setImmediate(compared);
      return rows;
    },
    async execute(sql: string, params?: readonly unknown[]) {
      const r = await real.execute(sql, params);
      if (armed && sql.startsWith('UPDATE leases SET owner = NULL')) {
        released();
        await cycleCompared;
      }
      return r;
    },
  };
  const w = runConsumer({
    app: 'test-app',
    processor: recorder(),
    options: fastCoordinator,
    initialPosition: { type: 'TRIM_HORIZON' },
    deps: { store: real, leaseStore: gated, kinesis: sdkKinesisReadPort(env!.kinesis, env!.stream), log: silentLog },
  });
  try {
    await waitFor('lease taken', () => w.shards().length === 1);
    armed = true;
    await planning;
    await w.stop();
    assert.equal(w.counters.leasesReleased, 1, 'the lease was given back');
    assert.equal(w.counters.leasesLost, 0, 'releasing is not mistaken for losing');
  } finally {
    armed = false;
    w.abandon();
  }
});
