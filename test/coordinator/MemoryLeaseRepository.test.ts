// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { AbandonedCommitError, MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import { leaseRepositoryContract } from '../helpers/leaseRepositoryContract.ts';

const shard = (shardId: string) => ({ shardId, parentIds: [], hashStart: '0', hashEnd: '9' });

describe('MemoryLeaseRepository', () => {
  describe('keeps the lease repository contract', () => {
    leaseRepositoryContract(async () => new MemoryLeaseRepository(new ManualClock()));
  });

  it('judges expiry and heartbeats by its own clock', async () => {
    const clock = new ManualClock();
    const r = new MemoryLeaseRepository(clock);
    await r.addShards('a', [shard('s')]);
    const e = (await r.claim('a', 's', 'w1', 0, 1_000))!;
    await r.heartbeat('a', 'w1', '');
    await clock.advance(999);
    assert.equal(await r.claim('a', 's', 'w2', e, 1_000), undefined, 'still live 1 ms before expiry');
    await clock.advance(1);
    assert.equal(await r.claim('a', 's', 'w2', e, 1_000), e + 1, 'expired at expiresAt');
    assert.equal((await r.getLease('a', 's'))!.expiresAt, clock.now() + 1_000);
    assert.equal((await r.listWorkers('a'))[0]!.heartbeatAt, clock.now() - 1_000);
  });

  it('a claim or renewal of a row waits while a fenced commit on it runs, as a row lock would', async () => {
    const r = new MemoryLeaseRepository(new ManualClock());
    await r.addShards('a', [shard('s')]);
    const e = (await r.claim('a', 's', 'w1', 0, 0))!;
    let finish!: () => void;
    const working = new Promise<void>((resolve) => (finish = resolve));
    const commit = r.fencedCommit('a', 's', 'w1', e, { seq: '5', sub: 0, last: true }, () => working);
    let stolen: number | undefined | 'pending' = 'pending';
    const steal = r.claim('a', 's', 'w2', e, 1_000).then((x) => (stolen = x));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stolen, 'pending', 'the claim waits for the commit');
    finish();
    await commit;
    await steal;
    assert.equal(stolen, e + 1, 'and then goes through');
    assert.deepEqual((await r.getLease('a', 's'))!.checkpoint, { seq: '5', sub: 0, last: true }, 'after the commit');
    await assert.rejects(r.fencedCommit('a', 's', 'w1', e, { seq: '6', sub: 0, last: true }), LeaseLostError);
  });

  it('an abandoned commit writes nothing and frees the row', async () => {
    const r = new MemoryLeaseRepository(new ManualClock());
    await r.addShards('a', [shard('s')]);
    const e = (await r.claim('a', 's', 'w1', 0, 60_000))!;
    const abandon = new AbortController();
    const commit = r.fencedCommit('a', 's', 'w1', e, { seq: '5', sub: 0, last: true }, () => new Promise<void>(() => {}), { signal: abandon.signal });
    abandon.abort();
    await assert.rejects(commit, AbandonedCommitError);
    assert.equal((await r.getLease('a', 's'))!.checkpoint, undefined);
    assert.equal(await r.renew('a', 's', 'w1', e, 60_000, null), true, 'the row is not locked any more');
  });

  it('hands out copies: changing a listed row changes nothing stored', async () => {
    const r = new MemoryLeaseRepository(new ManualClock());
    await r.addShards('a', [shard('s')]);
    const [row] = await r.listLeases('a');
    row!.owner = 'intruder';
    row!.parentIds.push('x');
    const stored = (await r.getLease('a', 's'))!;
    assert.equal(stored.owner, null);
    assert.deepEqual(stored.parentIds, []);
  });
});
