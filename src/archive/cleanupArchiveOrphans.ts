import { LeaseStore } from '../coordinator/LeaseStore.ts';
import { comparePosition, SHARD_END, type Position } from '../kinesis/position.ts';
import type { Logger } from '../log/createLogger.ts';
import type { Store } from '../store/Store.ts';
import { ArchiveManifest } from './ArchiveManifest.ts';
import { parseArchiveKey, type ParsedArchiveKey } from './archiveKey.ts';
import type { ListedObject, ObjectStore } from './ObjectStore.ts';

export interface CleanupInput {
  store: Store;
  objectStore: ObjectStore;
  /** The archive application whose leases and manifest decide. */
  app: string;
  prefix: string;
  /** Only objects at least this old are candidates. */
  graceMs: number;
  now: () => number;
  log?: Logger;
}

export interface CleanupResult {
  scanned: number;
  committed: number;
  deleted: string[];
  /** Uncommitted, but possibly still on their way to a commit (or younger than the grace period). */
  kept: number;
  /** Under the prefix but not named like an archive object, or of a shard without a lease: left alone. */
  foreign: number;
}

function passed(checkpoint: Position | undefined, last: ParsedArchiveKey['last']): boolean {
  if (!checkpoint) return false;
  return checkpoint.seq === SHARD_END || comparePosition(checkpoint, last) >= 0;
}

/**
 * Deletes archive objects that can never be committed: no manifest row, older than the grace
 * period, and the shard's checkpoint already at or past the object's last record — so whoever
 * holds the lease has committed those records in other objects, and the only writer that could
 * still commit this one (its own, before the checkpoint passed it) no longer can. A pending
 * object of a live worker always lies beyond the checkpoint, so it is never touched.
 */
export async function cleanupArchiveOrphans(input: CleanupInput): Promise<CleanupResult> {
  const { store, objectStore, app, graceMs, now } = input;
  const result: CleanupResult = { scanned: 0, committed: 0, deleted: [], kept: 0, foreign: 0 };
  const cutoff = now() - graceMs;
  const byShard = new Map<string, Array<{ obj: ListedObject; parsed: ParsedArchiveKey }>>();
  for await (const obj of objectStore.list(input.prefix ? `${input.prefix}/` : '')) {
    result.scanned++;
    const parsed = parseArchiveKey(obj.key);
    if (!parsed) {
      result.foreign++;
      continue;
    }
    if (obj.lastModifiedMs > cutoff) {
      result.kept++;
      continue;
    }
    (byShard.get(parsed.shardId) ?? byShard.set(parsed.shardId, []).get(parsed.shardId)!).push({ obj, parsed });
  }
  const leases = new LeaseStore(store);
  const manifest = new ArchiveManifest(store);
  for (const [shardId, objects] of byShard) {
    // The checkpoint is read before the manifest: a commit that moved the checkpoint past an
    // object is then visible in the manifest too, since both are written in one transaction.
    const lease = await leases.getLease(app, shardId);
    if (!lease) {
      result.foreign += objects.length;
      continue;
    }
    const committed = await manifest.committedKeys(app, shardId, objects.map((o) => o.parsed.first.seq));
    for (const { obj, parsed } of objects) {
      if (committed.has(obj.key)) result.committed++;
      else if (!passed(lease.checkpoint, parsed.last)) result.kept++;
      else {
        await objectStore.delete(obj.key);
        result.deleted.push(obj.key);
        input.log?.info({ key: obj.key, shardId }, 'deleted uncommitted archive object');
      }
    }
  }
  return result;
}
