import type { Logger } from '../log/createLogger.ts';
import type { Clock } from './Clock.ts';

/** Runs `cycle` every `everyMs` until `signal` aborts; a failed cycle is logged and the next one runs on time. */
export async function runEvery(o: { everyMs: number; signal: AbortSignal; name: string; clock: Clock; log: Logger }, cycle: () => Promise<void>): Promise<void> {
  while (!o.signal.aborted) {
    try {
      await cycle();
    } catch (err) {
      o.log.warn({ err: err instanceof Error ? err.message : String(err) }, `${o.name} failed; retrying next cycle`);
    }
    await o.clock.sleep(o.everyMs, o.signal);
  }
}
