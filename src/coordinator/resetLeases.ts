import { CentosError } from '../errors.ts';
import type { Store } from '../store/Store.ts';

export interface ResetResult {
  leases: number;
  workers: number;
}

/**
 * Forgets an application's leases, checkpoints, workers and the stream they were made for, so
 * its next worker starts over on the stream as it is now (after the stream was re-created).
 * Refused while a worker of the application still heartbeats: it would keep reading old shards.
 */
export async function resetLeases(store: Store, app: string, now: number, leaseDurationMs: number): Promise<ResetResult> {
  return store.transaction(async (tx) => {
    const live = await tx.query<{ worker_id: string }>('SELECT worker_id FROM workers WHERE app = ? AND heartbeat_at > ?', [app, now - leaseDurationMs]);
    if (live.length > 0) throw new CentosError(`${app} still has live workers (${live.map((w) => w.worker_id).join(', ')}); stop them first, then reset its leases`);
    const leases = await tx.execute('DELETE FROM leases WHERE app = ?', [app]);
    const workers = await tx.execute('DELETE FROM workers WHERE app = ?', [app]);
    await tx.execute('DELETE FROM stream_identity WHERE app = ?', [app]);
    return { leases: leases.affectedRows, workers: workers.affectedRows };
  });
}
