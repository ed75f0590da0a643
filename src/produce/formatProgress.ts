import type { ProducerCounters } from './ProducerCounters.ts';

/** The one-line TTY progress: files, events/s since the last line, in flight, retries. */
export function formatProgress(c: ProducerCounters, prevAcked: number, intervalMs: number, filesActive: number): string {
  const rate = intervalMs > 0 ? Math.round(((c.eventsAcked - prevAcked) * 1000) / intervalMs) : 0;
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [
    `files ${n(c.filesDone)} done, ${n(filesActive)} active${c.filesRejected ? `, ${n(c.filesRejected)} rejected` : ''}${c.filesFailed ? `, ${n(c.filesFailed)} failed` : ''}`,
    `${n(rate)} events/s`,
    `${n(c.eventsAcked)} sent`,
    `in flight ${n(c.bufferedEvents)}`,
    `retries ${n(c.retries)}`,
    `throttled ${n(c.throttled)}`,
  ];
  if (c.eventsResent > 0) parts.push(`re-sent (wrong shard) ${n(c.eventsResent)}`);
  if (c.eventsDeadLettered + c.eventsInvalid > 0) parts.push(`dead letters ${n(c.eventsDeadLettered + c.eventsInvalid)}`);
  return 'produce: ' + parts.join(' | ');
}
