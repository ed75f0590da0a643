import type { ConsumedRecord } from '../kinesis/deaggregate.ts';
import type { Position } from '../kinesis/position.ts';
import type { ShardContext, ShardProcessor } from '../coordinator/ShardProcessor.ts';
import { CentosError } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import { policies, retry, type RetryPolicy } from '../util/retry.ts';
import { ArchiveManifest, type ManifestEntry } from './ArchiveManifest.ts';
import { archiveKey, type Compression } from './archiveKey.ts';
import { encodeArchiveLine } from './archiveLine.ts';
import { buildArchiveBody } from './buildArchiveObject.ts';
import { flushReason, msUntilAgeFlush, type FlushPolicy, type FlushReason } from './flushReason.ts';
import type { ObjectStore } from './ObjectStore.ts';

export interface ArchiveOptions {
  prefix: string;
  compression: Compression;
  /** zlib level for gzip objects (default 6). */
  gzipLevel?: number;
  flush: FlushPolicy;
}

export interface ArchiveDeps {
  objectStore: ObjectStore;
  now: () => number;
  /** Upload backoff over `policies.s3Upload` / `s3UploadFinal`; tests pass faster values. */
  retry?: Partial<Pick<RetryPolicy, 'initialMs' | 'maxMs'>>;
  /** Runs after an object is uploaded and before its commit (tests pause or crash here). */
  beforeCommit?: (object: { key: string; shardId: string; workerId: string; epoch: number }) => Promise<void>;
}

interface Buffered {
  lines: string[];
  bytes: number;
  invalid: number;
  openedAt: number;
  first: ConsumedRecord | undefined;
  last: ConsumedRecord | undefined;
  minArrivalMs: number;
  maxArrivalMs: number;
}

interface PendingObject {
  key: string;
  body: Buffer;
  contentType: string;
  upTo: Position;
  entry: Omit<ManifestEntry, 'committedAt'>;
}

const empty = (): Buffered => ({ lines: [], bytes: 0, invalid: 0, openedAt: 0, first: undefined, last: undefined, minArrivalMs: Infinity, maxArrivalMs: -Infinity });

/**
 * One shard's archive writer. Buffers records as JSON lines and, when a flush limit is hit (or
 * at SHARD_END / shutdown), uploads them as one object with a deterministic key, then commits
 * the manifest row and the checkpoint in one fenced transaction. At most one object is
 * uncommitted at a time: processBatch does not return while one is in flight, which stops the
 * runtime fetching more.
 */
export class ArchiveProcessor implements ShardProcessor {
  private buf = empty();
  private pending: PendingObject | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private dropped = false;
  private readonly log: Logger;

  constructor(
    private readonly ctx: ShardContext,
    private readonly o: ArchiveOptions,
    private readonly deps: ArchiveDeps,
  ) {
    this.log = ctx.log.child({ component: 'archive' });
    ctx.signal.addEventListener('abort', () => this.clearTimer(), { once: true });
  }

  processBatch(records: ConsumedRecord[]): Promise<void> {
    return this.exclusive(async () => {
      this.rethrow();
      if (this.pending && !(await this.writePending('running'))) return;
      for (const r of records) {
        this.append(r);
        const why = flushReason(this.state(), this.policy(), this.deps.now());
        // Interrupted (stopping or lease lost): the rest of the batch is not buffered, so the
        // buffer stays contiguous with the pending object; shutdown finishes it or it is dropped.
        if (why && !(await this.flush(why, 'running'))) return;
      }
      this.armTimer();
    });
  }

  shardEnded(): Promise<void> {
    return this.exclusive(async () => {
      this.rethrow();
      const done = (!this.pending || (await this.writePending('running'))) && (await this.flush('end', 'running'));
      // The runtime marks the shard ended after this returns: never with records uncommitted.
      if (!done) throw new CentosError(`${this.ctx.shardId}: interrupted before the last archive object was committed`);
    });
  }

  shutdown(): Promise<void> {
    return this.exclusive(async () => {
      this.failure = undefined;
      if (this.pending) await this.writePending('final');
      await this.flush('shutdown', 'final');
    });
  }

  leaseLost(): void {
    this.dropped = true;
    this.clearTimer();
    this.buf = empty();
    this.pending = undefined;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private rethrow(): void {
    if (this.failure === undefined) return;
    const err = this.failure;
    this.failure = undefined;
    throw err;
  }

  /**
   * The configured limits, with the size limit at most half the shard's share of the worker's
   * memory budget: what is buffered counts against that share until committed, so a larger buffer
   * would stop the shard's reads until the age limit flushed it; the other half is for reading on.
   */
  private policy(): FlushPolicy {
    const share = this.ctx.memoryShareBytes?.() ?? Infinity;
    return share === Infinity ? this.o.flush : { ...this.o.flush, maxBytes: Math.min(this.o.flush.maxBytes, Math.max(1, Math.floor(share / 2))) };
  }

  private state() {
    return { records: this.buf.lines.length, bytes: this.buf.bytes, openedAt: this.buf.openedAt };
  }

  private append(r: ConsumedRecord): void {
    const b = this.buf;
    const { line, invalid } = encodeArchiveLine(r);
    if (b.lines.length === 0) {
      b.openedAt = this.deps.now();
      b.first = r;
    }
    b.lines.push(line);
    b.bytes += Buffer.byteLength(line) + 1;
    if (invalid) b.invalid++;
    b.last = r;
    b.minArrivalMs = Math.min(b.minArrivalMs, r.arrivalMs);
    b.maxArrivalMs = Math.max(b.maxArrivalMs, r.arrivalMs);
  }

  /** Turns the buffer into the pending object and writes it; false when interrupted before the commit. */
  private async flush(why: FlushReason | 'end' | 'shutdown', mode: 'running' | 'final'): Promise<boolean> {
    this.clearTimer();
    const b = this.buf;
    if (b.lines.length === 0 || !b.first || !b.last) return true;
    const { compression, prefix } = this.o;
    const key = archiveKey({ prefix, shardId: this.ctx.shardId, first: b.first, last: b.last, firstArrivalMs: b.first.arrivalMs, compression });
    const body = await buildArchiveBody(b.lines, compression, this.o.gzipLevel);
    if (this.dropped) return false;
    this.pending = {
      key,
      body: body.body,
      contentType: compression === 'gzip' ? 'application/gzip' : 'application/x-ndjson',
      upTo: { seq: b.last.seq, sub: b.last.sub, last: b.last.last },
      entry: {
        app: this.ctx.app,
        shardId: this.ctx.shardId,
        first: { seq: b.first.seq, sub: b.first.sub },
        last: { seq: b.last.seq, sub: b.last.sub },
        key,
        records: b.lines.length,
        invalid: b.invalid,
        bytes: body.body.byteLength,
        rawBytes: body.rawBytes,
        sha256: body.sha256,
        minArrivalMs: b.minArrivalMs,
        maxArrivalMs: b.maxArrivalMs,
        epoch: this.ctx.epoch,
        workerId: this.ctx.workerId,
      },
    };
    this.buf = empty();
    this.log.debug({ key, records: b.lines.length, bytes: body.body.byteLength, why }, 'flushing archive object');
    return this.writePending(mode);
  }

  /**
   * Upload (retried with backoff), then one fenced commit of the manifest row and the checkpoint.
   * While running, retries until S3 answers or the shard is being given up; at shutdown, a few times.
   */
  private async writePending(mode: 'running' | 'final'): Promise<boolean> {
    const p = this.pending!;
    // Running, the shard's signal ends the wait (lease lost, hand-off, stop). At shutdown that
    // signal has already fired, so the final upload gets a bounded policy instead.
    const signal = mode === 'running' ? this.ctx.signal : undefined;
    try {
      await retry(() => this.deps.objectStore.put(p.key, p.body, p.contentType), {
        ...(mode === 'running' ? policies.s3Upload : policies.s3UploadFinal),
        ...this.deps.retry,
        signal,
        onRetry: (err, attempt, waitMs) => this.log[attempt >= 5 ? 'warn' : 'debug']({ key: p.key, err: String(err), attempt, waitMs }, 'archive upload failed, retrying'),
      });
    } catch (err) {
      if (signal?.aborted) return false;
      throw err;
    }
    await this.deps.beforeCommit?.({ key: p.key, shardId: this.ctx.shardId, workerId: this.ctx.workerId, epoch: this.ctx.epoch });
    await this.ctx.commit(p.upTo, (tx) => new ArchiveManifest(tx).insert({ ...p.entry, committedAt: this.deps.now() }));
    this.pending = undefined;
    this.log.debug({ key: p.key, records: p.entry.records }, 'archive object committed');
    return true;
  }

  private armTimer(): void {
    const wait = msUntilAgeFlush(this.state(), this.o.flush, this.deps.now());
    if (this.timer || wait === undefined || this.dropped || this.ctx.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.exclusive(async () => {
        if (this.dropped || this.ctx.signal.aborted || this.failure !== undefined || this.pending) return;
        const why = flushReason(this.state(), this.policy(), this.deps.now());
        if (why) await this.flush(why, 'running');
        this.armTimer();
      }).catch((err) => {
        // Reported to the runtime by the next call; a lost lease was already reported by commit.
        this.failure = err;
      });
    }, wait);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
