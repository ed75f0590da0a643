import { Registry } from 'prom-client';
import type { UserEvent } from '../../src/events/eventSchema.ts';
import { dashboardProcessor, type DashboardCounters } from '../../src/dashboard/dashboardProcessor.ts';
import { computeRollups, storeRollups } from '../../src/dashboard/dashboardRollups.ts';
import { loadAssets } from '../../src/serve/loadAssets.ts';
import { openStore } from '../../src/store/openStore.ts';
import { readDashboard } from '../../src/serve/readDashboard.ts';
import { snapshotSource } from '../../src/serve/snapshotSource.ts';
import { startDashboardServer, type DashboardServer } from '../../src/serve/startDashboardServer.ts';
import type { Store } from '../../src/store/Store.ts';
import { silentLog, startWorker, type Env } from './consumerHarness.ts';

export const XSS_NAME = `<img src=x onerror="window.__xss=1">Mallory "O'Brien"`;
export const XSS_USERID = `<script>window.__xss=2</script>`;
export const XSS_METADATA = `"><svg onload=window.__xss=3> & 'quotes' </td></tr>`;

const activities = ['CommentAdded', 'TopicViewed', 'CommentLiked', 'ProfileUpdated'] as const;

/** `n` valid events for `users` users, each user's in order, timestamps from `startMs`. */
export function makeEvents(n: number, o: { users?: number; prefix?: string; startMs?: number } = {}): UserEvent[] {
  const users = o.users ?? 7;
  const prefix = o.prefix ?? 'e';
  const start = o.startMs ?? Date.now() - 60_000;
  const seq = new Map<number, number>();
  return Array.from({ length: n }, (_, i) => {
    const u = i % users;
    const s = seq.get(u) ?? 0;
    seq.set(u, s + 1);
    return {
      eventId: `${prefix}-${i}`,
      userid: `user-${u}`,
      fullName: `User Number ${u}`,
      gender: (['M', 'F', 'O'] as const)[u % 3]!,
      relationshipStatus: u % 2 ? 'single' : 'married',
      activityType: activities[i % activities.length]!,
      activityMetadata: `item ${i}`,
      activityTimestamp: new Date(start + i).toISOString(),
      userSeq: s,
    } as UserEvent;
  });
}

/** The event whose every free-text field is an injection attempt. */
export function xssEvent(eventId = 'xss-1'): UserEvent {
  return { eventId, userid: XSS_USERID, fullName: XSS_NAME, gender: 'O', relationshipStatus: 'single', activityType: 'CommentAdded', activityMetadata: XSS_METADATA, activityTimestamp: new Date().toISOString(), userSeq: 0 } as UserEvent;
}

export const newCounters = (): DashboardCounters => ({ batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 });

/** The real dashboard consumer on the env's stream. */
export function startDashboardWorker(env: Env) {
  return startWorker(env, dashboardProcessor('test-app', newCounters()));
}

/** What `centos schedule` does each interval: recompute the roll-ups and store them. */
export async function rollUp(store: Store, now = Date.now()): Promise<void> {
  const o = { windowMinutes: 5, topUsers: 10, latest: 20 };
  await storeRollups(store, await computeRollups(store, now, o), now - o.windowMinutes * 60_000, now);
}

export interface TestServer extends DashboardServer {
  store: Store;
  registry: Registry;
}

/** The dashboard server as `centos serve` wires it, on a free loopback port (or `port`). */
export async function startTestServer(dbUrl: string, o: { token?: string; port?: number; pushIntervalMs?: number; staleAfterMs?: number; maxClients?: number } = {}): Promise<TestServer> {
  const store = openStore(dbUrl, { readOnly: true });
  const registry = new Registry();
  const source = snapshotSource({ read: (now) => readDashboard(store, now, 2_000), now: Date.now, log: silentLog });
  const server = await startDashboardServer({
    host: '127.0.0.1',
    port: o.port ?? 0,
    ...(o.token ? { token: o.token } : {}),
    source,
    assets: loadAssets(),
    registry,
    log: silentLog,
    pushIntervalMs: o.pushIntervalMs ?? 300,
    staleAfterMs: o.staleAfterMs ?? 30_000,
    maxClients: o.maxClients ?? 20,
  });
  return {
    ...server,
    store,
    registry,
    async close() {
      await server.close();
      await store.close();
    },
  };
}
