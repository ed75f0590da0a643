import type { DashboardSnapshot } from './buildSnapshot.ts';

export interface Health {
  ok: boolean;
  db: { ok: boolean; error?: string };
  scheduler: { ok: boolean; computedAt: string | null; ageMs: number | null };
  reasons: string[];
}

/** Healthy when the DB answered and the scheduler's roll-ups are younger than `staleAfterMs`. */
export function checkHealth(s: DashboardSnapshot, now: number, staleAfterMs: number): Health {
  const reasons: string[] = [];
  if (!s.db.ok) reasons.push(`database unreachable: ${s.db.error}`);
  const ageMs = s.computedAt === null ? null : now - s.computedAt;
  let schedulerOk = false;
  if (ageMs === null) reasons.push('scheduler: no roll-ups computed yet (is `centos schedule` running?)');
  else if (ageMs > staleAfterMs) reasons.push(`scheduler: roll-ups are ${Math.round(ageMs / 1000)} s old (stale after ${Math.round(staleAfterMs / 1000)} s; is \`centos schedule\` running?)`);
  else schedulerOk = true;
  return {
    ok: reasons.length === 0,
    db: s.db.ok ? { ok: true } : { ok: false, error: s.db.error },
    scheduler: { ok: schedulerOk, computedAt: s.computedAt === null ? null : new Date(s.computedAt).toISOString(), ageMs },
    reasons,
  };
}
