export interface LeaseView {
  shardId: string;
  owner: string | null;
  epoch: number;
  expiresAt: number;
  state: 'active' | 'ended';
  parentIds: string[];
}

export interface PlanInput {
  now: number;
  me: string;
  leases: readonly LeaseView[];
  /** Workers whose heartbeat is fresh (this one included or not; it is added). */
  liveWorkers: readonly string[];
}

export interface Claim {
  shardId: string;
  /** The epoch seen; the claim is a compare-and-set on it. */
  epoch: number;
}

export interface Plan {
  /** Leases this worker holds and keeps renewing. */
  renew: Claim[];
  /** Unowned or expired leases to take. */
  take: Claim[];
  /** Live leases to take, one from each of as many workers as this one is short of ⌊N/W⌋. */
  steals: Array<Claim & { from: string }>;
  /** Leases to give up because this worker holds more than its share. */
  release: Claim[];
  /** Shards waiting for their parents to end. */
  blocked: string[];
}

/**
 * Decides what this worker does with the lease table this cycle. Pure: the IO code carries it out.
 * A shard is leasable when it is active and every parent that still has a lease has ended, so a
 * child is read only after both parents of a merge were finished. Each worker aims for
 * ⌊N/W⌋…⌈N/W⌉ of the N leasable shards among W workers: it takes free or expired leases up to
 * ⌈N/W⌉, releases everything above ⌈N/W⌉ when it holds more (a graceful hand-off at a batch
 * boundary, so new workers get their share without a lease timeout), and while it holds fewer
 * than ⌊N/W⌋ with nothing free, steals one lease from each of up to ⌊N/W⌋ − held workers within
 * their share that hold two more than it. A worker loses at most one lease per thief per cycle;
 * thieves rank equally loaded victims by a hash of both names, so they spread over them.
 */
export function planLeases(input: PlanInput): Plan {
  const { now, me } = input;
  // The state of every shard named as a parent (most tables have few): a parent still active blocks its children.
  const parentState = new Map<string, LeaseView['state']>();
  for (const l of input.leases) for (const p of l.parentIds) parentState.set(p, 'ended');
  if (parentState.size > 0) for (const l of input.leases) if (parentState.has(l.shardId)) parentState.set(l.shardId, l.state);
  const blocked: string[] = [];
  const leasable: LeaseView[] = [];
  for (const l of input.leases) {
    if (l.state !== 'active') continue;
    if (l.parentIds.some((p) => parentState.get(p) !== 'ended')) blocked.push(l.shardId);
    else leasable.push(l);
  }
  // Repositories list in shard order already; sorting is then only a check.
  if (!inShardOrder(leasable)) leasable.sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));

  const live = (l: LeaseView) => l.owner !== null && l.expiresAt > now;
  const workers = new Set(input.liveWorkers);
  workers.add(me);
  const held = new Map<string, LeaseView[]>();
  for (const w of workers) held.set(w, []);
  for (const l of leasable) {
    if (!live(l)) continue;
    // An owner still holding unexpired leases counts as a worker even if its heartbeat is late.
    if (!held.has(l.owner!)) held.set(l.owner!, []);
    held.get(l.owner!)!.push(l);
  }

  const n = leasable.length;
  const w = held.size;
  const floor = Math.floor(n / w);
  const ceil = Math.ceil(n / w);
  const mine = held.get(me)!;
  const renew = mine.map((l) => ({ shardId: l.shardId, epoch: l.epoch }));
  const plan: Plan = { renew, take: [], steals: [], release: [], blocked };

  if (mine.length > ceil) {
    plan.release = renew.slice(ceil);
    plan.renew = renew.slice(0, ceil);
    return plan;
  }

  const free = leasable.filter((l) => !live(l));
  // Our own expired leases first (we were slow to renew), then the rest in shard order.
  free.sort((a, b) => Number(b.owner === me) - Number(a.owner === me));
  for (const l of free) {
    if (mine.length + plan.take.length >= ceil) break;
    plan.take.push({ shardId: l.shardId, epoch: l.epoch });
  }
  if (plan.take.length > 0 || mine.length >= floor) return plan;

  // A worker above ⌈N/W⌉ releases leases itself at a batch boundary; stealing from it would only
  // fence off its in-flight batch. Steal only from workers within their share.
  const victims = [...held].filter(([owner, leases]) => owner !== me && leases.length <= ceil && leases.length > mine.length + 1);
  victims.sort(([a, la], [b, lb]) => lb.length - la.length || spreadRank(me, a) - spreadRank(me, b) || (a < b ? -1 : 1));
  for (const [from, leases] of victims.slice(0, floor - mine.length)) {
    const target = leases.at(-1)!;
    plan.steals.push({ shardId: target.shardId, epoch: target.epoch, from });
  }
  return plan;
}

/** A stable pseudo-random rank of `victim` for `thief` (FNV-1a), so thieves do not all pick the same victims. */
function spreadRank(thief: string, victim: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${thief}\u0000${victim}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

function inShardOrder(leases: readonly LeaseView[]): boolean {
  for (let i = 1; i < leases.length; i++) if (leases[i - 1]!.shardId > leases[i]!.shardId) return false;
  return true;
}
