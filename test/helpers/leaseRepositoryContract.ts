import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { CheckpointOrderError, LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import { SHARD_END } from '../../src/kinesis/position.ts';

const shard = (shardId: string) => ({ shardId, parentIds: [], hashStart: '0', hashEnd: '9' });
const LIVE = 60_000;
/** A lease claimed for 0 ms has expired by the repository's clock at once: no clock needs to move. */
const EXPIRED = 0;

/**
 * What every LeaseRepository must do, whatever it is stored in: run against the SQL table
 * (integration) and the in-memory one (unit), so the two keep the same semantics.
 */
export function leaseRepositoryContract<Tx>(open: (t: TestContext) => Promise<LeaseRepository<Tx> | undefined>): void {
  it('adds only unknown shards and lists them in shard order, free at epoch 0', async (t) => {
    const r = await open(t);
    if (!r) return;
    assert.equal(await r.addShards('a', [shard('s2'), shard('s1')]), 2);
    assert.equal(await r.addShards('a', [shard('s1'), shard('s3')]), 1);
    const rows = await r.listLeases('a');
    assert.deepEqual(
      rows.map((l) => [l.shardId, l.owner, l.epoch, l.state, l.checkpoint]),
      ['s1', 's2', 's3'].map((s) => [s, null, 0, 'active', undefined]),
    );
    assert.deepEqual(await r.listLeases('other-app'), []);
  });

  it('claims are compare-and-set on the epoch: free, expired or own leases only, or a steal from the named owner', async (t) => {
    const r = await open(t);
    if (!r) return;
    await r.addShards('a', [shard('s')]);
    assert.equal(await r.claim('a', 's', 'w1', 0, LIVE), 1, 'a free lease');
    assert.equal(await r.claim('a', 's', 'w2', 0, LIVE), undefined, 'a stale epoch');
    assert.equal(await r.claim('a', 's', 'w2', 1, LIVE), undefined, 'a live lease of another worker');
    assert.equal(await r.claim('a', 's', 'w1', 1, EXPIRED), 2, 'its own lease');
    assert.equal(await r.claim('a', 's', 'w2', 2, LIVE), 3, 'an expired lease');
    assert.equal(await r.claim('a', 's', 'w3', 3, LIVE, 'w1'), undefined, 'a steal names the wrong owner');
    assert.equal(await r.claim('a', 's', 'w3', 3, LIVE, 'w2'), 4, 'a steal from the owner');
    const l = (await r.getLease('a', 's'))!;
    assert.equal(l.owner, 'w3');
    assert.ok(l.expiresAt > (await r.now()), 'expiry is in the future by the repository clock');
  });

  it('renews and releases only at the epoch held', async (t) => {
    const r = await open(t);
    if (!r) return;
    await r.addShards('a', [shard('s')]);
    const e = (await r.claim('a', 's', 'w1', 0, LIVE))!;
    assert.equal(await r.renew('a', 's', 'w1', e, LIVE, 42), true);
    assert.equal((await r.getLease('a', 's'))!.millisBehind, 42);
    assert.equal(await r.renew('a', 's', 'w2', e, LIVE, null), false, 'another worker');
    assert.equal(await r.renew('a', 's', 'w1', e - 1, LIVE, null), false, 'an old epoch');
    assert.equal(await r.release('a', 's', 'w2', e), false);
    assert.equal(await r.release('a', 's', 'w1', e), true);
    const l = (await r.getLease('a', 's'))!;
    assert.equal(l.owner, null);
    assert.equal(l.epoch, e, 'a release keeps the epoch');
    assert.equal(await r.claim('a', 's', 'w2', e, LIVE), e + 1, 'a released lease is free at once');
  });

  it('fenced commits: nothing written without the lease, the same checkpoint twice runs the work once, never backwards, SHARD_END frees the lease for good', async (t) => {
    const r = await open(t);
    if (!r) return;
    await r.addShards('a', [shard('s')]);
    const e = (await r.claim('a', 's', 'w1', 0, LIVE))!;
    let ran = 0;
    const work = async () => ++ran;
    await assert.rejects(r.fencedCommit('a', 's', 'w2', e, { seq: '100', sub: 0, last: true }, work), LeaseLostError);
    await assert.rejects(r.fencedCommit('a', 's', 'w1', e - 1, { seq: '100', sub: 0, last: true }, work), LeaseLostError);
    assert.equal(ran, 0, 'a fenced-off commit runs no work');
    assert.equal(await r.fencedCommit('a', 's', 'w1', e, { seq: '100', sub: 2, last: false }, work), 1);
    assert.deepEqual((await r.getLease('a', 's'))!.checkpoint, { seq: '100', sub: 2, last: false });
    assert.equal(await r.fencedCommit('a', 's', 'w1', e, { seq: '100', sub: 2, last: false }, work), undefined, 'its reply was lost: already committed');
    assert.equal(ran, 1);
    await assert.rejects(r.fencedCommit('a', 's', 'w1', e, { seq: '99', sub: 9, last: true }, work), CheckpointOrderError);
    await assert.rejects(r.fencedCommit('a', 's', 'w1', e, { seq: '100', sub: 1, last: true }, work), CheckpointOrderError);
    assert.equal(ran, 1);
    await r.fencedCommit('a', 's', 'w1', e, SHARD_END);
    const l = (await r.getLease('a', 's'))!;
    assert.deepEqual([l.state, l.owner, l.checkpoint?.seq], ['ended', null, SHARD_END]);
    assert.equal(await r.claim('a', 's', 'w2', e, LIVE), undefined, 'an ended shard is never leased again');
  });

  it('keeps worker heartbeats until the worker leaves', async (t) => {
    const r = await open(t);
    if (!r) return;
    await r.heartbeat('a', 'w1', 'host-1 pid 1');
    await r.heartbeat('a', 'w2', 'host-2 pid 2');
    await r.heartbeat('a', 'w1', 'host-1 pid 1');
    const ws = await r.listWorkers('a');
    assert.deepEqual(
      ws.map((w) => [w.workerId, w.info]),
      [
        ['w1', 'host-1 pid 1'],
        ['w2', 'host-2 pid 2'],
      ],
    );
    assert.ok(ws.every((w) => w.heartbeatAt >= w.startedAt));
    await r.removeWorker('a', 'w1');
    assert.deepEqual((await r.listWorkers('a')).map((w) => w.workerId), ['w2']);
  });
}
