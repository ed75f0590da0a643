import type { DeadLetterWriter } from './DeadLetterWriter.ts';
import type { DeadItem, RecordOwner } from './KinesisProducer.ts';
import type { FileIdentity } from './readInputFile.ts';

export type FileOutcome = 'acknowledged' | 'incomplete';

/** One input file's events in the producer: settles once every event is acknowledged or dead-lettered. */
export class FileJob implements RecordOwner {
  total = 0;
  ackedCount = 0;
  deadCount = 0;
  /** Set when dead letters for this file could not be written (the file then stays where it is). */
  deadLetterError: unknown;
  /** An empty or whitespace-only file (moved to done with a note). */
  empty = false;
  private sealed = false;
  private resolve!: (o: FileOutcome) => void;
  readonly outcome: Promise<FileOutcome>;

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly deadLetters: DeadLetterWriter,
    /** What was read, to check before the file is moved; absent for one-off sends. */
    readonly identity?: FileIdentity,
  ) {
    this.outcome = new Promise((r) => (this.resolve = r));
  }

  acked(count: number): void {
    this.ackedCount += count;
    this.check();
  }

  deadLettered(items: DeadItem[]): void {
    try {
      this.deadLetters.write(items.map((i) => ({ file: this.path, position: i.position, reason: i.reason, raw: i.data.toString('utf8') })));
    } catch (err) {
      // The file stays in paths.watch either way; its events are sent again from there.
      this.deadLetterError ??= err;
    }
    this.deadCount += items.length;
    this.check();
  }

  /** Every event of the file has been handed to the producer. */
  seal(): void {
    this.sealed = true;
    this.check();
  }

  /** Every event is accounted for: the outcome is (or is about to be) known. */
  get complete(): boolean {
    return this.sealed && this.ackedCount + this.deadCount === this.total;
  }

  private check(): void {
    if (this.complete) this.resolve(this.deadCount === 0 ? 'acknowledged' : 'incomplete');
  }
}
