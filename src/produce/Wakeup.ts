/**
 * A loop's wake-up: `wait` returns after `ms`, on abort, or at the next `poke` — including a poke
 * that came after `since` was read but before `wait` was called, so none is ever missed.
 */
export class Wakeup {
  count = 0;
  private wake: (() => void) | undefined;

  poke(): void {
    this.count++;
    this.wake?.();
  }

  async wait(ms: number, signal: AbortSignal, since = this.count): Promise<void> {
    if (this.count !== since || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done);
    });
  }
}
