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
  /** At most one live lease to take from an over-loaded worker. */
  steal: (Claim & { from: string }) | null;
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
 * ⌈N/W⌉, releases one per cycle when it holds more than ⌈N/W⌉ (a graceful hand-off at a batch
 * boundary, so a new worker gets its share without a lease timeout), and steals at most one per
 * cycle while it holds fewer than ⌊N/W⌋ and some worker within its share holds two more than it.
 */
export function planLeases(input: PlanInput): Plan {
  const { now, me } = input;
  const byShard = new Map(input.leases.map((l) => [l.shardId, l]));
  const blocked: string[] = [];
  const leasable: LeaseView[] = [];
  for (const l of input.leases) {
    if (l.state !== 'active') continue;
    const waiting = l.parentIds.some((p) => {
      const parent = byShard.get(p);
      return parent !== undefined && parent.state !== 'ended';
    });
    if (waiting) blocked.push(l.shardId);
    else leasable.push(l);
  }
  leasable.sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));

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
  const plan: Plan = { renew, take: [], steal: null, release: [], blocked };

  if (mine.length > ceil) {
    const extra = mine[mine.length - 1]!;
    plan.release.push({ shardId: extra.shardId, epoch: extra.epoch });
    plan.renew = renew.filter((c) => c.shardId !== extra.shardId);
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
  let victim: string | undefined;
  for (const [owner, leases] of held) {
    if (owner === me || leases.length > ceil) continue;
    if (victim === undefined || leases.length > held.get(victim)!.length || (leases.length === held.get(victim)!.length && owner < victim)) victim = owner;
  }
  if (victim !== undefined && held.get(victim)!.length > mine.length + 1) {
    const target = held.get(victim)!.at(-1)!;
    plan.steal = { shardId: target.shardId, epoch: target.epoch, from: victim };
  }
  return plan;
}
