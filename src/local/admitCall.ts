/**
 * A per-second call quota read literally: at most `perSec` calls admitted in any 1000 ms window.
 * `recent` holds the times of the calls admitted in the last second; a refused call is not added.
 */
export function admitCall(recent: readonly number[], perSec: number, now: number): { admitted: boolean; recent: number[] } {
  const kept = recent.filter((t) => now - t < 1000);
  if (kept.length >= perSec) return { admitted: false, recent: kept };
  kept.push(now);
  return { admitted: true, recent: kept };
}
