/**
 * Puts a record that must be retried into its shard's retry queue, kept in the order the records
 * were first built (`seq`), so an older retry is always sent before a newer one.
 */
export function insertRetry<T extends { seq: number }>(queue: T[], item: T): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (queue[mid]!.seq < item.seq) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, item);
}
