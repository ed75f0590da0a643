/** Hears how long each batch and each commit took (metrics); a throwing observer is ignored. */
export interface ConsumerObserver {
  batch?(shardId: string, seconds: number, records: number): void;
  commit?(shardId: string, seconds: number, outcome: 'ok' | 'fenced' | 'failed'): void;
}

/** Calls an observer; metrics must never break a worker. */
export function observeSafely(f: () => void): void {
  try {
    f();
  } catch {
    // ignored on purpose: see above
  }
}
