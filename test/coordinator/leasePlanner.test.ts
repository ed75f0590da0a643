// test tier: unit (no services, no child processes)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLeases, type LeaseView } from '../../src/coordinator/leasePlanner.ts';

const NOW = 1_000_000;
const L = (shardId: string, owner: string | null, o: Partial<LeaseView> = {}): LeaseView => ({
  shardId,
  owner,
  epoch: 1,
  expiresAt: owner ? NOW + 5_000 : 0,
  state: 'active',
  parentIds: [],
  ...o,
});
const expired = { expiresAt: NOW - 1 };

interface Case {
  name: string;
  me?: string;
  leases: LeaseView[];
  live: string[];
  take?: string[];
  /** [shard, from] per steal. */
  steals?: Array<[string, string]>;
  release?: string[];
  renew?: string[];
  blocked?: string[];
}

const cases: Case[] = [
  { name: 'a lone worker takes every free shard', leases: [L('s0', null), L('s1', null), L('s2', null)], live: [], take: ['s0', 's1', 's2'] },
  { name: 'two workers: the first takes only its ceiling', leases: [L('s0', null), L('s1', null), L('s2', null), L('s3', null)], live: ['w2'], take: ['s0', 's1'] },
  { name: 'it renews what it holds and takes nothing more at its share', leases: [L('s0', 'me'), L('s1', 'me'), L('s2', 'w2'), L('s3', 'w2')], live: ['w2'], renew: ['s0', 's1'], take: [] },
  { name: 'expired leases of a dead worker are taken', leases: [L('s0', 'me'), L('s1', 'dead', expired), L('s2', 'dead', expired)], live: [], renew: ['s0'], take: ['s1', 's2'] },
  { name: 'its own expired lease is taken back first', leases: [L('s0', null), L('s1', 'me', expired), L('s2', 'w2'), L('s3', 'w2')], live: ['w2'], take: ['s1', 's0'] },
  { name: 'no steal from a worker above its share: it releases on its own', leases: [L('s0', 'w1'), L('s1', 'w1'), L('s2', 'w1'), L('s3', 'w2')], live: ['w1', 'w2'], take: [], steals: [] },
  { name: 'a new worker steals one from a worker at its share, not more', leases: [L('s0', 'w1'), L('s1', 'w1'), L('s2', 'w2'), L('s3', 'w2')], live: ['w1', 'w2'], take: [], steals: [['s3', 'w2']] },
  { name: 'no steal when the difference is one', leases: [L('s0', 'w1'), L('s1', 'w1'), L('s2', 'me')], live: ['w1'], renew: ['s2'], steals: [] },
  { name: 'no steal when there is nothing to share (N < W)', leases: [L('s0', 'w1')], live: ['w1', 'w2'], steals: [], take: [] },
  { name: 'steals from the worker with the most leases within its share', leases: [L('s0', 'w1'), L('s1', 'w2'), L('s2', 'w2'), L('s3', 'w3'), L('s4', 'w3'), L('s5', 'w3')], live: ['w1', 'w2', 'w3'], steals: [['s2', 'w2']] },
  { name: 'steals from the busiest worker at its share', leases: [L('s0', 'w2'), L('s1', 'w2'), L('s2', 'w3'), L('s3', 'w3'), L('s4', 'w1')], live: ['w1', 'w2', 'w3'], steals: [['s1', 'w2']] },
  { name: 'holding more than the ceiling, it releases everything above it in one cycle', leases: [L('s0', 'me'), L('s1', 'me'), L('s2', 'me'), L('s3', 'me')], live: ['w2', 'w3'], release: ['s2', 's3'], renew: ['s0', 's1'] },
  {
    name: 'far below its share with nothing free, it steals one lease from each of ⌊N/W⌋ − held workers at their share',
    leases: [L('a0', 'w1'), L('a1', 'w1'), L('a2', 'w1'), L('b0', 'w2'), L('b1', 'w2'), L('b2', 'w2'), L('c0', 'w3'), L('c1', 'w3'), L('c2', 'w3'), L('d0', 'w4'), L('d1', 'w4')],
    live: ['w1', 'w2', 'w3', 'w4'],
    take: [],
    // N = 11, W = 5: ⌊N/W⌋ = 2, so two steals, from two of the three workers holding 3 (ranked by the hash); w4 (2) is not a victim.
    steals: [['b2', 'w2'], ['c2', 'w3']],
  },
  { name: 'ended shards are not leased or counted', leases: [L('s0', null, { state: 'ended' }), L('s1', null), L('s2', null)], live: ['w2'], take: ['s1'] },
  { name: 'a child waits while its parent is active', leases: [L('p', 'w2'), L('c1', null, { parentIds: ['p'] }), L('c2', null, { parentIds: ['p'] })], live: ['w2'], take: [], blocked: ['c1', 'c2'] },
  { name: 'a child is leasable once its parent ended', leases: [L('p', null, { state: 'ended' }), L('c1', null, { parentIds: ['p'] }), L('c2', null, { parentIds: ['p'] })], live: [], take: ['c1', 'c2'] },
  { name: 'a merge child waits for both parents', leases: [L('a', null, { state: 'ended' }), L('b', 'w2'), L('m', null, { parentIds: ['a', 'b'] })], live: ['w2'], take: [], blocked: ['m'] },
  { name: 'a merge child is leasable when both parents ended', leases: [L('a', null, { state: 'ended' }), L('b', null, { state: 'ended' }), L('m', null, { parentIds: ['a', 'b'] })], live: [], take: ['m'] },
  { name: 'a parent trimmed from the stream (no lease row) does not block', leases: [L('c', null, { parentIds: ['gone'] })], live: [], take: ['c'] },
  { name: 'an owner with unexpired leases counts even without a heartbeat', leases: [L('s0', 'ghost'), L('s1', null)], live: [], take: ['s1'] },
];

describe('planLeases', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planLeases({ now: NOW, me: c.me ?? 'me', leases: c.leases, liveWorkers: c.live });
      if (c.take) assert.deepEqual(plan.take.map((t) => t.shardId), c.take, 'take');
      if (c.steals) assert.deepEqual(plan.steals.map((t) => [t.shardId, t.from]), c.steals, 'steals');
      if (c.release) assert.deepEqual(plan.release.map((t) => t.shardId), c.release, 'release');
      if (c.renew) assert.deepEqual(plan.renew.map((t) => t.shardId), c.renew, 'renew');
      if (c.blocked) assert.deepEqual(plan.blocked, c.blocked, 'blocked');
      const claimed = [...plan.take, ...plan.steals].map((t) => t.shardId);
      assert.equal(new Set(claimed).size, claimed.length, 'never claims a shard twice');
    });
  }

  it('thieves short of the same share spread their steals over equally loaded workers', () => {
    const leases = Array.from({ length: 40 }, (_, i) => L(`s${String(i).padStart(2, '0')}`, `v${i % 10}`));
    const live = [...Array.from({ length: 10 }, (_, i) => `v${i}`), 't1', 't2', 't3'];
    const picks = ['t1', 't2', 't3'].map((me) => planLeases({ now: NOW, me, leases, liveWorkers: live }).steals.map((s) => s.from));
    // N = 40, W = 13: each thief is 3 short, and the ten victims hold 4 each.
    for (const p of picks) assert.equal(p.length, 3);
    assert.ok(new Set(picks.flat()).size > 3, `the thieves do not all pick the same victims: ${JSON.stringify(picks)}`);
  });

  it('converges to a balanced assignment from any start, with one steal per victim per worker per cycle', () => {
    for (const [n, w] of [[8, 3], [5, 5], [16, 4], [3, 5], [10, 1], [7, 2]] as const) {
      const workers = Array.from({ length: w }, (_, i) => `w${i}`);
      let leases: LeaseView[] = Array.from({ length: n }, (_, i) => L(`s${String(i).padStart(2, '0')}`, 'w0'));
      for (let cycle = 0; cycle < 50; cycle++) {
        for (const me of workers) {
          const plan = planLeases({ now: NOW, me, leases, liveWorkers: workers });
          assert.ok(plan.steals.length === 0 || plan.take.length === 0);
          assert.equal(new Set(plan.steals.map((c) => c.from)).size, plan.steals.length, 'at most one steal from each victim');
          const claims = [...plan.take, ...plan.steals];
          leases = leases.map((l) => {
            if (claims.some((c) => c.shardId === l.shardId && c.epoch === l.epoch)) return { ...l, owner: me, epoch: l.epoch + 1, expiresAt: NOW + 5_000 };
            if (plan.release.some((c) => c.shardId === l.shardId)) return { ...l, owner: null, expiresAt: 0 };
            return l;
          });
        }
      }
      const counts = workers.map((me) => leases.filter((l) => l.owner === me).length);
      assert.equal(counts.reduce((a, b) => a + b), n, `${n}/${w}: every shard owned`);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${n}/${w}: balanced ${counts}`);
    }
  });
});
