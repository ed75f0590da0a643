/**
 * The age of the oldest event not yet acknowledged, in O(1) per event: events come in with
 * non-decreasing times and leave in any order, so a count per second, kept in insertion order,
 * has the oldest second first.
 */
export class OutstandingAges {
  private readonly bySecond = new Map<number, number>();

  add(atMs: number): void {
    const s = Math.floor(atMs / 1000);
    this.bySecond.set(s, (this.bySecond.get(s) ?? 0) + 1);
  }

  remove(atMs: number): void {
    const s = Math.floor(atMs / 1000);
    const n = (this.bySecond.get(s) ?? 0) - 1;
    if (n > 0) this.bySecond.set(s, n);
    else this.bySecond.delete(s);
  }

  /** Start of the second the oldest outstanding event came in; undefined when there is none. */
  oldestMs(): number | undefined {
    let oldest: number | undefined;
    // Usually the first key; a clock that stepped back can put an older second later.
    for (const s of this.bySecond.keys()) if (oldest === undefined || s < oldest) oldest = s;
    return oldest === undefined ? undefined : oldest * 1000;
  }
}
