import type { HeldLease } from '../../src/coordinator/LeaseKeeper.ts';
import { LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import type { LeaseRepository } from '../../src/coordinator/LeaseRepository.ts';
import type { ShardInfo } from '../../src/kinesis/KinesisReadPort.ts';
import { ManualClock } from '../../src/coordinator/ManualClock.ts';
import { MemoryLeaseRepository } from '../../src/coordinator/MemoryLeaseRepository.ts';
import { SHARD_END } from '../../src/kinesis/position.ts';
import { StoreError } from '../../src/store/StoreError.ts';
import { CountingLeaseRepository, diffCounts, sqlLoad, zeroCounts, type LeaseCallCounts, type SqlLoad } from './countingLeaseRepository.ts';
import { leaseOnlyWorker, type LeaseOnlyWorker, type LeaseTimings } from './leaseOnlyWorker.ts';

export interface ScenarioOptions {
  shards: number;
  workers: number;
  /** The initial workers start one after another over this span. */
  joinSpreadMs: number;
  crash: number;
  leave: number;
  join: number;
  /** Workers whose every database call fails for a while (then works again); they run on meanwhile. */
  cutOff: number;
  /** Share of the active shards split in two (parents close, children wait for them). */
  reshardFraction: number;
  timings: Required<LeaseTimings>;
  /** An event not balanced after this many planning cycles is reported as not converged. */
  maxCycles: number;
  /** Balanced means balanced for this many planning cycles in a row. */
  stableCycles: number;
  /** Quiet time after the initial join over which the steady load is measured. */
  steadyMs: number;
  /** Progress lines (the bench prints them; a test passes nothing). */
  progress?: (line: string) => void;
}

export const defaultTimings: Required<LeaseTimings> = { leaseDurationMs: 10_000, renewIntervalMs: 3_000, takeIntervalMs: 1_000, shardSyncIntervalMs: 10_000 };

export interface LeaseChanges {
  taken: number;
  stolen: number;
  lost: number;
  released: number;
}

export interface EventReport {
  name: string;
  /** Live workers and leasable shards once the event happened. */
  workers: number;
  leasable: number;
  /** Planning cycles from the event (the last join of a ramp) until balanced; null: not within maxCycles. */
  cycles: number | null;
  /** The same in clock time, ms (null: not balanced). */
  toBalancedMs: number | null;
  /** Largest (most − fewest leases over live workers) seen after the event, and most leasable shards nobody held. */
  maxSpread: number;
  maxUnheld: number;
  changes: LeaseChanges;
  calls: LeaseCallCounts;
  load: SqlLoad;
  /** Clock time the event's window covered, and the real time it took to simulate. */
  simMs: number;
  realMs: number;
}

export interface ScenarioReport {
  options: Omit<ScenarioOptions, 'progress'>;
  events: EventReport[];
  steady: { workers: number; simMs: number; calls: LeaseCallCounts; load: SqlLoad };
  /** Checks of the ownership invariant made (one after every lease-changing call, plus sweeps). */
  checks: number;
  violations: string[];
  violationCount: number;
  realMs: number;
}

interface SimWorker {
  id: string;
  handle: LeaseOnlyWorker;
  /** Counted in the fair share (false once it crashed, began to leave or was cut off). */
  member: boolean;
  crashed: boolean;
  /** Cut off from the database: every call fails as a refused connection would, while the worker runs on. */
  cutOff: boolean;
}

/** The repository as one worker reaches it: while `w.cutOff`, every call fails like a refused connection. */
function workerPort(repo: CountingLeaseRepository, w: { cutOff: boolean }): LeaseRepository<void> {
  const refused = () => Promise.reject(new StoreError('lease table unreachable (simulated partition)', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
  return new Proxy(repo, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (w.cutOff ? refused() : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

const app = 'sim';
const shardId = (i: number) => `shardId-${String(i).padStart(9, '0')}`;

/** Even hash-key ranges over 2^128, as a stream created with that many shards would have. */
function rootShards(n: number): ShardInfo[] {
  const space = 2n ** 128n;
  return Array.from({ length: n }, (_, i) => ({ shardId: shardId(i), parentIds: [], hashStart: String((space * BigInt(i)) / BigInt(n)), hashEnd: String((space * BigInt(i + 1)) / BigInt(n) - 1n) }));
}

/**
 * Workers that own a lease at one instant: a worker that is not crashed owns a shard when its
 * keeper holds the lease (not lost, ended or being given back) and the row agrees — same epoch,
 * this worker as owner, not expired by the repository's clock (or ended by this worker's own
 * end commit). A lease stolen from a worker is fenced (its epoch is gone) and is not counted as
 * owned by it while it has not yet noticed. Any believer that the row does not back is a violation.
 */
class OwnershipChecker {
  private readonly claimants = new Map<string, Set<string>>();
  private readonly fenced = new Set<string>();
  checks = 0;
  count = 0;
  readonly first: string[] = [];

  constructor(
    private readonly rows: MemoryLeaseRepository,
    private readonly clock: ManualClock,
    private readonly workers: Map<string, SimWorker>,
  ) {}

  claimed(shard: string, me: string, from: string | undefined, seenEpoch: number | undefined): void {
    let set = this.claimants.get(shard);
    if (!set) this.claimants.set(shard, (set = new Set()));
    set.add(me);
    if (from !== undefined) this.fenced.add(`${shard}|${from}|${seenEpoch}`);
  }

  check(shard: string): void {
    const set = this.claimants.get(shard);
    if (!set) return;
    this.checks++;
    const row = this.rows.peek(app, shard);
    const t = this.clock.now();
    const owners: string[] = [];
    for (const id of set) {
      const w = this.workers.get(id);
      const held: HeldLease | undefined = w && !w.crashed ? w.handle.keeper.get(shard) : undefined;
      // A claimant not holding yet is the row's new owner just before its keeper takes the lease on.
      if (held ? held.gone : row?.owner !== id) set.delete(id);
      if (!held || held.gone) continue;
      if (held.finished || this.fenced.has(`${shard}|${id}|${held.epoch}`)) continue;
      owners.push(id);
      const backed = row !== undefined && row.epoch === held.epoch && (row.state === 'ended' || (row.owner === id && row.expiresAt > t));
      if (!backed) this.violation(`t=${t}: ${id} acts on ${shard} at epoch ${held.epoch}, but the row says owner ${row?.owner ?? 'none'} at epoch ${row?.epoch}, expiring ${row?.expiresAt}`);
    }
    if (owners.length > 1) this.violation(`t=${t}: ${shard} owned by ${owners.length} live workers at once: ${owners.join(', ')}`);
  }

  sweep(): void {
    for (const shard of this.claimants.keys()) this.check(shard);
  }

  private violation(what: string): void {
    this.count++;
    if (this.first.length < 20) this.first.push(what);
  }
}

/**
 * Runs the real PlanCycle, LeaseKeeper and ShardDiscovery of many workers against the in-memory
 * lease repository on a manual clock, through a scenario: a staggered join, a quiet spell, crashes,
 * graceful leaves, joins, workers cut off from the database and back, and a reshard. After every lease-changing call the ownership invariant
 * is checked; after each event the time to a balanced share is measured in planning cycles.
 */
export async function runCoordinationScenario(o: ScenarioOptions): Promise<ScenarioReport> {
  const realStart = performance.now();
  const { timings } = o;
  const take = timings.takeIntervalMs;
  const clock = new ManualClock();
  const rows = new MemoryLeaseRepository(clock);
  const repo = new CountingLeaseRepository(rows);
  const stream = rootShards(o.shards);
  const closed = new Set<string>();
  // The table already holds the stream's shards (an earlier discovery added them; not counted).
  await repo.addShards(app, stream);
  repo.counts = zeroCounts();
  const workers = new Map<string, SimWorker>();
  const checker = new OwnershipChecker(rows, clock, workers);
  repo.afterMutation = (kind, shard, me, result, from, seenEpoch) => {
    if (kind === 'claim' && result !== undefined) checker.claimed(shard, me, from, seenEpoch);
    checker.check(shard);
  };

  // A closed shard's holder reads to its end at once: end commit, then ask discovery for the children.
  const endShard = (w: SimWorker, lease: HeldLease) => {
    clock.schedule(take / 2, () => {
      if (lease.gone || lease.finished || w.crashed) return;
      repo.fencedCommit(app, lease.shardId, w.id, lease.epoch, SHARD_END).then(
        () => {
          w.handle.keeper.ended(lease);
          w.handle.requestDiscovery();
        },
        (err: unknown) => {
          if (!(err instanceof LeaseLostError)) throw err;
        },
      );
    });
  };
  let nextId = 0;
  const start = (): SimWorker => {
    const id = `w${String(nextId++).padStart(4, '0')}`;
    const w: SimWorker = { id, member: true, crashed: false, cutOff: false } as SimWorker;
    w.handle = leaseOnlyWorker({
      app,
      workerId: id,
      leases: workerPort(repo, w),
      clock,
      timings,
      listShards: async () => stream,
      onTaken: (lease) => {
        if (closed.has(lease.shardId)) endShard(w, lease);
      },
    });
    workers.set(id, w);
    return w;
  };
  const members = () => [...workers.values()].filter((w) => w.member);
  const changes = (): LeaseChanges => {
    const c = { taken: 0, stolen: 0, lost: 0, released: 0 };
    for (const w of workers.values()) {
      c.taken += w.handle.counters.leasesTaken;
      c.stolen += w.handle.counters.leasesStolen;
      c.lost += w.handle.counters.leasesLost;
      c.released += w.handle.counters.leasesReleased;
    }
    return c;
  };
  const leasableCount = async () => {
    const all = await rows.listLeases(app);
    const ended = new Set(all.filter((l) => l.state === 'ended').map((l) => l.shardId));
    const known = new Set(all.map((l) => l.shardId));
    return all.filter((l) => l.state === 'active' && l.parentIds.every((p) => !known.has(p) || ended.has(p))).length;
  };
  const balance = async () => {
    const n = await leasableCount();
    const live = members();
    const counts = live.map((w) => w.handle.shards().length);
    const floor = Math.floor(n / live.length);
    const ceil = Math.ceil(n / live.length);
    const held = counts.reduce((a, b) => a + b, 0);
    return { n, workers: live.length, balanced: held === n && counts.every((c) => c >= floor && c <= ceil), spread: Math.max(...counts) - Math.min(...counts), unheld: Math.max(0, n - held) };
  };

  const events: EventReport[] = [];
  /** Runs `act` (which may move the clock), then the clock in half-cycles until balanced for stableCycles. */
  const event = async (name: string, act: () => Promise<void>) => {
    const real = performance.now();
    const t0 = clock.now();
    const calls0 = { ...repo.counts };
    const changes0 = changes();
    await act();
    const from = clock.now();
    let balancedAt: number | undefined;
    let maxSpread = 0;
    let maxUnheld = 0;
    let b = await balance();
    while (clock.now() - from < o.maxCycles * take) {
      await clock.advance(take / 2);
      checker.sweep();
      b = await balance();
      maxSpread = Math.max(maxSpread, b.spread);
      maxUnheld = Math.max(maxUnheld, b.unheld);
      if (!b.balanced) balancedAt = undefined;
      else if ((balancedAt ??= clock.now()) <= clock.now() - o.stableCycles * take) break;
    }
    const c1 = changes();
    const calls = diffCounts(repo.counts, calls0);
    const report: EventReport = {
      name,
      workers: b.workers,
      leasable: b.n,
      cycles: balancedAt === undefined ? null : Math.ceil((balancedAt - from) / take),
      toBalancedMs: balancedAt === undefined ? null : balancedAt - from,
      maxSpread,
      maxUnheld,
      changes: { taken: c1.taken - changes0.taken, stolen: c1.stolen - changes0.stolen, lost: c1.lost - changes0.lost, released: c1.released - changes0.released },
      calls,
      load: sqlLoad(calls),
      simMs: clock.now() - t0,
      realMs: performance.now() - real,
    };
    events.push(report);
    o.progress?.(`${name}: ${report.cycles ?? `not within ${o.maxCycles}`} cycles, ${b.workers} workers, ${b.n} leasable, ${Math.round(report.realMs / 1000)} s real`);
  };
  /** Every k-th member, `count` of them, spread over the ids. */
  const pick = (count: number) => {
    const live = members();
    const step = live.length / count;
    return Array.from({ length: count }, (_, i) => live[Math.floor(i * step)]!);
  };

  await event(`${o.workers} workers join over ${o.joinSpreadMs / 1000} s`, async () => {
    for (let i = 0; i < o.workers; i++) {
      start();
      if (i < o.workers - 1) await clock.advance(o.joinSpreadMs / o.workers);
    }
  });

  const steady0 = { ...repo.counts };
  const steadyFrom = clock.now();
  await clock.advance(o.steadyMs);
  checker.sweep();
  const steadyCalls = diffCounts(repo.counts, steady0);
  const steady = { workers: members().length, simMs: clock.now() - steadyFrom, calls: steadyCalls, load: sqlLoad(steadyCalls) };
  o.progress?.(`steady: ${steady.simMs / 1000} s of clock time`);

  if (o.crash > 0)
    await event(`${o.crash} workers crash`, async () => {
      for (const w of pick(o.crash)) {
        w.member = false;
        w.crashed = true;
        w.handle.crash();
      }
    });
  const leaving: Promise<void>[] = [];
  if (o.leave > 0)
    await event(`${o.leave} workers leave`, async () => {
      for (const w of pick(o.leave)) {
        w.member = false;
        leaving.push(w.handle.stop());
      }
    });
  if (o.join > 0)
    await event(`${o.join} workers join`, async () => {
      for (let i = 0; i < o.join; i++) start();
    });
  if (o.cutOff > 0) {
    const cut = pick(o.cutOff);
    await event(`${o.cutOff} workers cut off from the database`, async () => {
      for (const w of cut) {
        w.member = false;
        w.cutOff = true;
      }
    });
    await event(`${o.cutOff} workers reconnect`, async () => {
      for (const w of cut) {
        w.member = true;
        w.cutOff = false;
      }
    });
  }
  if (o.reshardFraction > 0) {
    const parents = stream.filter((_, i) => i % Math.round(1 / o.reshardFraction) === 0).map((s) => s.shardId);
    await event(`reshard: ${parents.length} shards split`, async () => {
      const holders = new Map(members().flatMap((w) => w.handle.shards().map((s) => [s, w] as const)));
      const byId = new Map(stream.map((s) => [s.shardId, s]));
      for (const p of parents) {
        const parent = byId.get(p)!;
        const mid = (BigInt(parent.hashStart) + BigInt(parent.hashEnd)) / 2n;
        stream.push({ shardId: `${p}-a`, parentIds: [p], hashStart: parent.hashStart, hashEnd: String(mid) }, { shardId: `${p}-b`, parentIds: [p], hashStart: String(mid + 1n), hashEnd: parent.hashEnd });
        closed.add(p);
        const holder = holders.get(p);
        const lease = holder?.handle.keeper.get(p);
        if (holder && lease) endShard(holder, lease);
      }
    });
  }

  // Graceful stop of everyone left: every lease released.
  const stopping = [...members()].map((w) => {
    w.member = false;
    return w.handle.stop();
  });
  const all = Promise.all([...leaving, ...stopping]);
  let stopped = false;
  void all.then(() => (stopped = true));
  for (let i = 0; i < 100 && !stopped; i++) await clock.advance(take);
  checker.sweep();
  const { progress: _, ...options } = o;
  return { options, events, steady, checks: checker.checks, violations: checker.first, violationCount: checker.count, realMs: performance.now() - realStart };
}
