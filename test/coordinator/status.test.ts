import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildStatus, formatStatus } from '../../src/coordinator/readStatus.ts';
import { makeEnv, putRecords, seenRows, startWorker, waitFor } from '../helpers/consumerHarness.ts';
import { runCentos } from '../helpers/runCentos.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

describe('status', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => stack.close());

  it('marks children waiting for their parents, expired leases, and lag', () => {
    const now = 100_000;
    const base = { app: 'a', epoch: 1, checkpoint: undefined, hashStart: '0', hashEnd: '9', millisBehind: null, updatedAt: 0 };
    const s = buildStatus(
      [
        { ...base, shardId: 'p', owner: 'w1', expiresAt: now + 5000, state: 'active', parentIds: [], millisBehind: 1500, checkpoint: { seq: '123', sub: 4, last: false } },
        { ...base, shardId: 'c', owner: null, expiresAt: 0, state: 'active', parentIds: ['p'] },
        { ...base, shardId: 'x', owner: 'dead', expiresAt: now - 1, state: 'active', parentIds: [] },
      ],
      [{ app: 'a', workerId: 'w1', heartbeatAt: now - 200, startedAt: now - 60_000, info: 'host pid 1' }],
      now,
      10_000,
    );
    assert.deepEqual(s.shards.map((x) => [x.shardId, x.state, x.ownerLive]), [['p', 'active', true], ['c', 'waiting', false], ['x', 'active', false]]);
    assert.equal(s.shards[0]!.checkpoint, '123/4');
    assert.deepEqual(s.workers[0]!.shards, ['p']);
    const text = formatStatus(s);
    assert.match(text, /p\s+active\s+w1\s+1\s+5\.0 s left\s+123\/4\s+1\.5 s/);
    assert.match(text, /x\s+active\s+dead\s+1\s+EXPIRED/);
    assert.match(text, /c\s+waiting/);
  });

  it('`centos status --json` shows the live owner, epoch and checkpoint of each shard while a worker runs', async () => {
    const e = (await makeEnv(stack, 'sqlite', 2))!;
    const expected = await putRecords(e, { keys: 10, perKey: 5 });
    const w = startWorker(e, undefined, { leaseDurationMs: 20_000 });
    try {
      await waitFor('records', async () => (await seenRows(e)).length >= expected.length);
      await waitFor('lag reported', async () => {
        const r = await runCentos(['status', '--json'], { cwd: stack.dir, env: { CENTOS_DB_URL: e.settings.config.db.url } });
        const s = JSON.parse(r.stdout);
        return s.shards.every((x: { millisBehindLatest: number | null }) => x.millisBehindLatest !== null);
      });
      const r = await runCentos(['status', '--json'], { cwd: stack.dir, env: { CENTOS_DB_URL: e.settings.config.db.url } });
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      assert.equal(s.shards.length, 2);
      for (const x of s.shards) {
        assert.equal(x.owner, w.workerId);
        assert.equal(x.ownerLive, true);
        assert.ok(x.epoch >= 1);
        assert.match(x.checkpoint, /^\d+\/\d+$/);
      }
      assert.deepEqual(s.workers.map((x: { workerId: string; live: boolean }) => [x.workerId, x.live]), [[w.workerId, true]]);
      const human = await runCentos(['status'], { cwd: stack.dir, env: { CENTOS_DB_URL: e.settings.config.db.url } });
      assert.match(human.stdout, /APP\s+SHARD\s+STATE\s+OWNER/);
    } finally {
      await w.stop();
      await e.close();
    }
  });

  it('says to run setup when the database has no schema', async () => {
    const r = await runCentos(['status'], { cwd: stack.dir, env: { CENTOS_DB_URL: `sqlite:${stack.dir}/empty.db` } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no centos schema yet; run `centos setup` first/);
  });
});
