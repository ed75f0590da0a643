import path from 'node:path';
import { createKinesisClient, kinesisEndpoint } from '../aws/awsClients.ts';
import type { Settings } from '../config/loadConfig.ts';
import { CentosError } from '../errors.ts';
import type { Logger } from '../log/createLogger.ts';
import type { Registry } from 'prom-client';
import { registerProducerMetrics } from '../metrics/producerMetrics.ts';
import type { Health } from '../metrics/startMetricsServer.ts';
import { formatProgress } from './formatProgress.ts';
import { KinesisProducer } from './KinesisProducer.ts';
import { kinesisWritePortFrom } from '../kinesis/KinesisWritePort.ts';
import { createProducerCounters, type ProducerCounters } from './ProducerCounters.ts';
import { runProducer, type ProducerInput, type RunProducerResult } from './runProducer.ts';

/**
 * Wires the producer to the configured stream and sends `input`: used by `centos produce` and
 * `centos replay --produce`. A progress line goes to `progressTo` when it is a terminal.
 */
export async function produceInput(
  settings: Settings,
  input: ProducerInput,
  o: {
    log: Logger;
    signal: AbortSignal;
    progressTo?: NodeJS.WritableStream & { isTTY?: boolean };
    /** Registers the producer's metrics here and points `health.check` at the producer. */
    metrics?: { registry: Registry; health: { check: () => Health } };
  },
): Promise<{ result: RunProducerResult; counters: ProducerCounters }> {
  const { config } = settings;
  const log = o.log.child({ component: 'produce' });
  const counters = createProducerCounters();
  const client = createKinesisClient(config, { retryLayer: 'ours', maxSockets: config.producer.maxConcurrentCalls + 2 });
  const producer = new KinesisProducer({ ...config.producer, streamName: config.stream.name, endpoint: kinesisEndpoint(config) }, { kinesis: kinesisWritePortFrom(client), counters, log });
  const oldestUnackedAgeMs = () => {
    const at = producer.oldestUnackedAt();
    return at === undefined ? undefined : Date.now() - at;
  };
  if (o.metrics) {
    registerProducerMetrics(o.metrics.registry, counters, { oldestUnackedAgeMs, maxBufferedRecords: config.producer.maxBufferedRecords, maxBufferedBytes: config.producer.maxBufferedBytes });
    // Unhealthy when events wait for an acknowledgement for more than half their TTL.
    o.metrics.health.check = () => {
      const age = oldestUnackedAgeMs() ?? 0;
      const ok = age < config.producer.recordTtlMs / 2;
      return { ok, reasons: ok ? [] : [`oldest unacknowledged event is ${Math.round(age / 1000)} s old (producer.recordTtlMs ${config.producer.recordTtlMs} ms)`], bufferedEvents: counters.bufferedEvents };
    };
  }
  let progress: NodeJS.Timeout | undefined;
  const started = performance.now();
  try {
    await producer.start();
    log.info({ stream: config.stream.name, watch: input.kind === 'files' ? undefined : path.resolve(config.paths.watch), aggregation: config.producer.aggregation, strictOrder: config.producer.strictOrder }, 'producing');
    const tty = o.progressTo?.isTTY ? o.progressTo : undefined;
    if (tty) {
      let prev = 0;
      let prevAt = performance.now();
      progress = setInterval(() => {
        const t = performance.now();
        tty.write('\r' + formatProgress(counters, prev, t - prevAt, counters.filesRead - counters.filesDone - counters.filesFailed) + '\x1b[K');
        prev = counters.eventsAcked;
        prevAt = t;
      }, 500);
      progress.unref();
    }
    const result = await runProducer({
      producer,
      counters,
      paths: config.paths,
      input,
      rescanMs: config.producer.rescanMs,
      settleMs: config.producer.settleMs,
      incompleteWaitMs: config.producer.incompleteWaitMs,
      retryFailedFileMs: config.producer.recordTtlMs,
      shutdownTimeoutMs: config.producer.shutdownTimeoutMs,
      signal: o.signal,
      log,
    });
    if (tty) tty.write('\n');
    log.info(
      {
        filesDone: result.filesDone,
        filesRejected: result.filesRejected,
        filesIncomplete: result.filesIncomplete.length,
        filesStuck: result.filesStuck.length,
        filesEmpty: result.filesEmpty || undefined,
        filesReread: counters.filesReread || undefined,
        events: counters.eventsAcked,
        records: counters.recordsPut,
        calls: counters.putCalls,
        retries: counters.retries,
        throttled: counters.throttled,
        resentWrongShard: counters.eventsResent,
        retriesRebuilt: counters.retriesRebuilt,
        deadLetters: counters.eventsDeadLettered + counters.eventsInvalid,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      },
      'produce finished',
    );
    if (!o.signal.aborted) {
      const problems: string[] = [];
      if (result.filesIncomplete.length > 0) {
        problems.push(`${result.filesIncomplete.length} file(s) not fully acknowledged (${result.filesIncomplete.map((f) => path.basename(f)).join(', ')}); see ${config.paths.deadLetters}`);
      }
      if (result.filesStuck.length > 0) {
        problems.push(`${result.filesStuck.length} file(s) left in ${config.paths.watch}: ${result.filesStuck.map((s) => s.reason).join('; ')}`);
      }
      if (problems.length > 0) throw new CentosError(problems.join('\n'));
    }
    return { result, counters };
  } finally {
    clearInterval(progress);
    producer.close();
    client.destroy();
  }
}
