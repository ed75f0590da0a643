/**
 * A worker's budget of fetched-but-uncommitted bytes, shared fairly among its shard tasks. Each
 * task opens an account; an account may hold at most its fair share (the total divided by the
 * open accounts) and waits, in arrival order, until its own commits or the closing of others make
 * room. A grant is sized to what there is room for, never below `min(want, share / 4)`, so a
 * fetch is never dribbled out a few bytes at a time. Grants never add up past the total; a
 * response larger than its grant (GetRecords' Limit counts records, not bytes) is charged as it
 * is, and the account waits until it is back under its share.
 */
export class ByteBudget {
  private readonly accounts = new Set<BudgetAccount>();
  private readonly waiting: Waiter[] = [];
  private used = 0;

  constructor(readonly totalBytes: number) {
    if (!Number.isInteger(totalBytes) || totalBytes < 1) throw new RangeError(`ByteBudget: totalBytes must be a positive integer, got ${totalBytes}`);
  }

  /** Bytes held by all accounts (may pass the total by the overshoot of responses). */
  get inUse(): number {
    return this.used;
  }

  /** One account's fair share now. */
  get shareBytes(): number {
    return Math.floor(this.totalBytes / Math.max(1, this.accounts.size));
  }

  open(holder: string): BudgetAccount {
    const a = new BudgetAccount(this, holder);
    this.accounts.add(a);
    return a;
  }

  /** @internal */
  charge(a: BudgetAccount, bytes: number): void {
    a.heldBytes += bytes;
    this.used += bytes;
  }

  /** @internal Gives bytes back and lets waiters that now fit go on. */
  refund(a: BudgetAccount, bytes: number): void {
    const n = Math.min(bytes, a.heldBytes);
    a.heldBytes -= n;
    this.used -= n;
    this.wake();
  }

  /** @internal */
  close(a: BudgetAccount): void {
    if (!this.accounts.delete(a)) return;
    for (const w of this.waiting.filter((w) => w.account === a)) this.drop(w, 0);
    this.refund(a, a.heldBytes);
  }

  /** @internal How much `a` may be granted now for a request of `want` bytes; 0 when it must wait. */
  grantable(a: BudgetAccount, want: number): number {
    const share = this.shareBytes;
    const room = Math.min(want, share - a.heldBytes, this.totalBytes - this.used);
    return room >= Math.min(want, Math.max(1, Math.ceil(share / 4))) ? room : 0;
  }

  /** @internal */
  enqueue(w: Waiter): void {
    this.waiting.push(w);
    this.wake();
  }

  /** @internal */
  drop(w: Waiter, granted: number): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    w.done(granted);
  }

  /** Serves waiters in arrival order; one that does not fit does not hold up the others (it waits on its own account). */
  private wake(): void {
    for (const w of [...this.waiting]) {
      const n = this.grantable(w.account, w.want);
      if (n === 0) continue;
      this.charge(w.account, n);
      this.drop(w, n);
    }
  }
}

interface Waiter {
  account: BudgetAccount;
  want: number;
  done(granted: number): void;
}

/** One shard task's part of a ByteBudget. */
export class BudgetAccount {
  /** @internal */
  heldBytes = 0;
  private closed = false;

  constructor(
    private readonly budget: ByteBudget,
    readonly holder: string,
  ) {}

  get held(): number {
    return this.heldBytes;
  }

  /** This account's fair share of the budget now. */
  get shareBytes(): number {
    return this.budget.shareBytes;
  }

  /**
   * Waits for room and takes between `min(want, share / 4)` and `want` bytes; resolves 0 when the
   * signal aborts or the account is closed first.
   */
  acquire(want: number, signal?: AbortSignal): Promise<number> {
    if (this.closed || signal?.aborted) return Promise.resolve(0);
    const wanted = Math.max(1, Math.floor(want));
    return new Promise<number>((resolve) => {
      const onAbort = () => this.budget.drop(w, 0);
      const w: Waiter = {
        account: this,
        want: wanted,
        done: (n) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(n);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.budget.enqueue(w);
    });
  }

  /** After the fetch: gives back what a response left unused, or charges what it brought beyond the grant. */
  settle(granted: number, actual: number): void {
    if (this.closed) return;
    if (actual > granted) this.budget.charge(this, actual - granted);
    else this.budget.refund(this, granted - actual);
  }

  release(bytes: number): void {
    if (!this.closed && bytes > 0) this.budget.refund(this, bytes);
  }

  /** Gives everything back and leaves the budget; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.close(this);
  }
}
