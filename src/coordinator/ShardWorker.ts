import type { IteratorStart, KinesisReadPort } from '../kinesis/KinesisReadPort.ts';
import type { Logger } from '../log/createLogger.ts';
import { backoffDelay, policies } from '../util/retry.ts';
import type { ByteBudget } from './ByteBudget.ts';
import type { Clock } from './Clock.ts';
import type { ConsumerCounters } from './ConsumerCounters.ts';
import { observeSafely, type ConsumerObserver } from './ConsumerObserver.ts';
import type { CoordinatorOptions } from './CoordinatorOptions.ts';
import { FencedCheckpointer } from './FencedCheckpointer.ts';
import type { HeldLease, LeaseKeeper } from './LeaseKeeper.ts';
import { LeaseLostError } from './LeaseLostError.ts';
import type { LeaseRepository } from './LeaseRepository.ts';
import type { ProcessorFactory, ShardContext, ShardProcessor } from './ShardProcessor.ts';
import type { Fetched } from '../kinesis/ShardReader.ts';
import { pollingRecordSource, type RecordSourceFactory } from '../kinesis/RecordSource.ts';
import { createShardStats, teeReadCounters, type ShardStats } from './ShardStats.ts';
import { UncommittedBytes } from './UncommittedBytes.ts';

export interface ShardWorkerDeps<Tx> {
  app: string;
  workerId: string;
  leases: LeaseRepository<Tx>;
  keeper: LeaseKeeper<Tx>;
  processor: ProcessorFactory<Tx>;
  kinesis: KinesisReadPort;
  /** Where a root shard without a checkpoint starts; children always start at TRIM_HORIZON. */
  initialPosition: IteratorStart;
  options: CoordinatorOptions;
  clock: Clock;
  log: Logger;
  counters: ConsumerCounters;
  observer?: ConsumerObserver | undefined;
  /** The worker's budget of fetched-but-uncommitted bytes, shared by its shard tasks (none: unbounded). */
  budget?: ByteBudget | undefined;
  /** Where an attempt's records come from (default: polling GetRecords). */
  records?: RecordSourceFactory | undefined;
  /** The shard ended: its children may be leasable now. */
  onShardEnded(): void;
}

/**
 * Works one lease until it is lost, handed off, stopped or the shard ends. Each attempt reads the
 * lease row, opens a reader at its checkpoint, makes a processor and feeds it, reading the next
 * batch while the processor works on this one (within the shard's part of the worker's memory
 * budget, when there is one: a record counts until a commit covers it); a watchdog reports a
 * processor call that runs longer than `watchdogMs`. A failed attempt restarts from the
 * checkpoint after a backoff. When the work is over, the lease goes back to the keeper (released
 * unless it was lost).
 */
export class ShardWorker<Tx> {
  readonly stats: ShardStats;
  /** Settles when processing is over and the lease was given back. */
  readonly done: Promise<void>;
  private readonly stopping = new AbortController();
  /** Aborted on stop, hand-off or when the lease is gone. */
  private readonly signal: AbortSignal;
  private handingOff = false;

  constructor(
    readonly lease: HeldLease,
    private readonly d: ShardWorkerDeps<Tx>,
  ) {
    this.stats = createShardStats(lease.shardId, d.clock.now());
    this.signal = AbortSignal.any([this.stopping.signal, lease.goneSignal]);
    this.done = this.run()
      .catch((err) => d.log.error({ shardId: lease.shardId, err: String(err) }, 'shard task failed'))
      .then(() => d.keeper.giveBack(lease));
  }

  get shardId(): string {
    return this.lease.shardId;
  }

  /** Graceful: stop fetching; the batch in flight finishes, the processor flushes and commits. */
  stop(): void {
    this.stopping.abort();
  }

  /** Gives the lease up toward a balanced share, at the next batch boundary. */
  handOff(): void {
    if (this.handingOff) return;
    this.handingOff = true;
    this.d.log.info({ shardId: this.shardId }, 'handing lease off toward a balanced share');
    this.stop();
  }

  private get over(): boolean {
    return this.lease.gone || this.d.keeper.abandoned;
  }

  private async run(): Promise<void> {
    for (let round = 1; !this.over; round++) {
      const wait = await this.attempt(round);
      // A failed attempt is restarted only while the task is meant to go on, never after a stop.
      if (wait === undefined || this.signal.aborted) return;
      await this.d.clock.sleep(wait, this.signal);
    }
  }

  /** One attempt; returns how long to wait before the next, or undefined when the work is over. */
  private async attempt(round: number): Promise<number | undefined> {
    const { app, workerId, leases, keeper, clock, counters, log } = this.d;
    const held = this.lease;
    const row = await leases.getLease(app, held.shardId);
    if (!row || row.owner !== workerId || row.epoch !== held.epoch) {
      keeper.markLost(held, 'lease changed before start');
      return undefined;
    }
    if (row.state === 'ended') return undefined;
    const shardLog = log.child({ shardId: held.shardId, epoch: held.epoch });
    const checkpointer = new FencedCheckpointer({ app, workerId, leases, keeper, lease: held, clock, stopping: this.signal, log: shardLog, counters, stats: this.stats, observer: this.d.observer });
    // This attempt's part of the worker's memory budget: what it fetched counts until a commit covers it.
    const account = this.d.budget?.open(held.shardId);
    const uncommitted = account && new UncommittedBytes(account);
    const ctx: ShardContext<Tx> = {
      app,
      shardId: held.shardId,
      epoch: held.epoch,
      workerId,
      log: shardLog,
      signal: this.signal,
      commit: async (upTo, work) => {
        const result = await checkpointer.commit(upTo, work);
        uncommitted?.committed(upTo);
        return result;
      },
      memoryShareBytes: () => account?.shareBytes ?? Infinity,
    };
    // One reader per attempt: when the attempt ends, its read-ahead is cancelled and never left dangling.
    const attempt = new AbortController();
    const reader = (this.d.records ?? pollingRecordSource)({
      kinesis: this.d.kinesis,
      shardId: held.shardId,
      range: row.hashStart && row.hashEnd ? { start: BigInt(row.hashStart), end: BigInt(row.hashEnd) } : undefined,
      from: row.checkpoint,
      initial: row.parentIds.length > 0 ? { type: 'TRIM_HORIZON' } : this.d.initialPosition,
      options: this.d.options,
      counters: teeReadCounters(counters, this.stats),
      log,
      signal: AbortSignal.any([this.signal, attempt.signal]),
      budget: account,
      shardGone: async () => !(await this.d.kinesis.listShards()).some((s) => s.shardId === held.shardId),
      now: () => clock.now(),
    });
    let processor: ShardProcessor | undefined;
    let pending: Promise<Fetched> | undefined;
    try {
      processor = await this.d.processor(ctx);
      pending = reader.next();
      while (pending) {
        const batch: Fetched = await pending;
        uncommitted?.hold(batch.records, batch.bytes ?? 0);
        if (this.signal.aborted) break;
        // Read ahead while the processor works on this batch.
        pending = batch.end ? undefined : reader.next();
        if (batch.records.length > 0) {
          const t0 = performance.now();
          await this.watched('processBatch', processor.processBatch(batch.records, { millisBehindLatest: batch.millisBehindLatest }));
          observeSafely(() => this.d.observer?.batch?.(held.shardId, (performance.now() - t0) / 1000, batch.records.length));
          counters.records += batch.records.length;
          this.stats.records += batch.records.length;
          counters.batches++;
        }
        if (batch.millisBehindLatest !== undefined) held.millisBehind = this.stats.millisBehindLatest = batch.millisBehindLatest;
        if (batch.end) {
          await this.watched('shardEnded', processor.shardEnded?.() ?? Promise.resolve());
          await checkpointer.end();
          counters.shardsEnded++;
          keeper.ended(held);
          this.d.onShardEnded();
          log.info({ shardId: held.shardId, expired: batch.expired ?? false }, 'shard ended; children become leasable');
          return undefined;
        }
      }
      if (!this.over) await this.watched('shutdown', processor.shutdown?.() ?? Promise.resolve());
      return undefined;
    } catch (err) {
      if (err instanceof LeaseLostError || this.over) {
        if (err instanceof LeaseLostError) keeper.markLost(held, 'commit fenced off');
        processor?.leaseLost?.();
        return undefined;
      }
      counters.processorErrors++;
      processor?.leaseLost?.();
      const wait = backoffDelay(round, policies.shardRestart);
      log.error({ shardId: held.shardId, err: err instanceof Error ? err.message : String(err), attempt: round, waitMs: wait }, 'shard processing failed; restarting from the checkpoint');
      return wait;
    } finally {
      attempt.abort();
      pending?.catch(() => undefined);
      uncommitted?.close();
    }
  }

  private async watched<T>(what: string, p: Promise<T>): Promise<T> {
    const { clock, counters, log, options } = this.d;
    const started = clock.now();
    const cancel = clock.schedule(options.watchdogMs, () => {
      counters.stuckBatches++;
      log.error({ shardId: this.shardId, what, runningMs: clock.now() - started }, `processor stuck for over ${options.watchdogMs} ms`);
    });
    try {
      return await p;
    } finally {
      cancel();
    }
  }
}
