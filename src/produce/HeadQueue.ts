/** Slots consumed at the head before the array is compacted (only once they outweigh the rest). */
const COMPACT_AFTER = 64;

/**
 * A FIFO over an array with a moving head: `shift` is O(1), and the consumed head is cut off only
 * once it outweighs what is left, so a queue that is drained and refilled (a key's backlog, a
 * shard's ready keys) costs amortised O(1) per item instead of a copy per shift.
 */
export class HeadQueue<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Puts `items` back at the front, in their order. */
  unshiftAll(items: readonly T[]): void {
    if (items.length <= this.head) {
      this.head -= items.length;
      for (let i = 0; i < items.length; i++) this.items[this.head + i] = items[i];
    } else {
      this.items = [...items, ...this.items.slice(this.head)];
      this.head = 0;
    }
  }

  /** Empties the queue and returns what it held, in order. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}
