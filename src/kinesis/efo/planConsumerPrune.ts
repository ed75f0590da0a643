import type { StreamConsumer } from './EfoPort.ts';

export type ConsumerMode = 'polling' | 'efo';

/**
 * Which registered stream consumers to deregister: those named after one of our applications
 * that now reads by polling. Consumers of other software on the same stream are never touched,
 * nor one already being deleted.
 */
export function planConsumerPrune(registered: readonly StreamConsumer[], apps: ReadonlyArray<{ name: string; mode: ConsumerMode }>): string[] {
  const polling = new Set(apps.filter((a) => a.mode === 'polling').map((a) => a.name));
  const efo = new Set(apps.filter((a) => a.mode === 'efo').map((a) => a.name));
  return registered.filter((c) => polling.has(c.name) && !efo.has(c.name) && c.status !== 'DELETING').map((c) => c.name);
}
