import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeaseLostError } from '../../src/coordinator/LeaseLostError.ts';
import { LeaseStore } from '../../src/coordinator/LeaseStore.ts';
import { dashboardProcessor } from '../../src/dashboard/dashboardProcessor.ts';
import { EventGenerator } from '../../src/generate/EventGenerator.ts';
import { computeRollups, readRollups, storeRollups } from '../../src/dashboard/dashboardRollups.ts';
import { pruneRetention } from '../../src/scheduler/pruneRetention.ts';
import { runScheduler, SCHEDULER_APP, type Job } from '../../src/scheduler/runScheduler.ts';
import { counter, makeEnv, putEvents, silentLog, startWorker, waitFor, type Env, envsFor } from '../helpers/consumerHarness.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => stack.close());

const counters = () => ({ batches: 0, applied: 0, duplicates: 0, outOfOrder: 0, deadLetters: 0 });

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`scheduler on ${dialect}`, () => {
    const envOf = envsFor(() => stack, dialect);
    const env = (t: { skip(msg: string): void }) => envOf(2, t);

    it('roll-up windows match a brute-force recomputation from the events table, and re-running changes nothing', async (t) => {
      const e = await env(t);
      if (!e) return;
      const gen = new EventGenerator({ seed: 5, users: 30, duplicates: 0, startMs: Date.parse('2024-01-01T00:00:00Z') });
      const events = Array.from({ length: 1500 }, () => gen.next());
      await putEvents(e, events);
      const w = startWorker(e, dashboardProcessor('test-app', counters()));
      await waitFor('applied', async () => (await counter(e, 'events_applied')) >= events.length);
      await w.stop();

      const now = Date.now();
      const o = { windowMinutes: 7, topUsers: 10, latest: 20 };
      const r = await computeRollups(e.store, now, o);
      const rows = await e.store.query<{ id: number; event_id: string; userid: string; activity_type: string; ingested_at: number }>('SELECT id, event_id, userid, activity_type, ingested_at FROM events');
      const windowStart = now - 7 * 60_000;
      const minuteFrom = Math.floor(now / 60_000) * 60_000 - 6 * 60_000;
      const inWindow = rows.filter((x) => Number(x.ingested_at) >= minuteFrom);
      const byUser = new Map<string, number>();
      for (const x of inWindow) byUser.set(x.userid, (byUser.get(x.userid) ?? 0) + 1);
      const expectedTop = [...byUser].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
      assert.deepEqual(r.topUsers.map((u) => [u.userid, u.events]), expectedTop);
      const byType: Record<string, number> = {};
      for (const x of rows) if (Number(x.ingested_at) >= minuteFrom) byType[x.activity_type] = (byType[x.activity_type] ?? 0) + 1;
      assert.deepEqual(r.activity.totals, byType);
      assert.equal(r.summary.events, events.length);
      assert.equal(r.summary.users, new Set(events.map((x) => x.userid)).size);
      const latestIds = [...rows].sort((a, b) => Number(b.id) - Number(a.id)).slice(0, 20).map((x) => x.event_id);
      assert.deepEqual(r.latest.map((x) => x.eventId), latestIds);
      const genders: Record<string, number> = {};
      const lastGender = new Map(events.map((x) => [x.userid, x.gender]));
      for (const g of lastGender.values()) genders[g] = (genders[g] ?? 0) + 1;
      assert.deepEqual(r.gender, genders);

      await storeRollups(e.store, r, windowStart, now);
      const first = await readRollups(e.store);
      await storeRollups(e.store, await computeRollups(e.store, now, o), windowStart, now);
      assert.deepEqual(await readRollups(e.store), first, 'the same window twice gives the same snapshot');
    });

    it('one leader at a time; a standby takes over when the leader stops; a deposed leader writes nothing', async (t) => {
      const e = await env(t);
      if (!e) return;
      const ran: string[] = [];
      const job = (who: string): Job => ({
        name: 'probe',
        everyMs: 50,
        run: async (ctx) => {
          await ctx.fenced(async (tx) => tx.execute('INSERT INTO counters (name, value) VALUES (?, 1)', [`run-${who}-${ran.length}`]));
          ran.push(who);
        },
      });
      const a = runScheduler({ store: e.store, log: silentLog, jobs: [job('a')], leaseDurationMs: 1_000, tickMs: 50, id: 'a' });
      await waitFor('a leads', () => a.isLeader());
      const b = runScheduler({ store: e.store, log: silentLog, jobs: [job('b')], leaseDurationMs: 1_000, tickMs: 50, id: 'b' });
      await waitFor('a runs jobs', () => ran.filter((x) => x === 'a').length >= 3);
      assert.equal(b.isLeader(), false);
      assert.ok(!ran.includes('b'), 'the standby ran nothing');
      await a.stop();
      await waitFor('b takes over', () => b.isLeader(), 5_000);
      await waitFor('b runs jobs', () => ran.includes('b'));
      const leases = new LeaseStore(e.store);
      const lease = await leases.getLease(SCHEDULER_APP, 'leader');
      assert.equal(lease!.owner, 'b');
      await assert.rejects(leases.withLease(SCHEDULER_APP, 'leader', 'a', lease!.epoch - 1, async (tx) => tx.execute("INSERT INTO counters (name, value) VALUES ('zombie', 1)")), LeaseLostError);
      assert.equal((await e.store.query("SELECT * FROM counters WHERE name = 'zombie'")).length, 0);
      await b.stop();
    });

    it('prunes rows older than the horizon in small batches and keeps the rest', async (t) => {
      const e = await env(t);
      if (!e) return;
      const gen = new EventGenerator({ seed: 6, users: 20, duplicates: 0, startMs: 0 });
      const old = Array.from({ length: 250 }, () => gen.next());
      const recent = Array.from({ length: 50 }, () => gen.next());
      const dayAgo = Date.now() - 26 * 3_600_000;
      await putEvents(e, old);
      let clock = dayAgo;
      const w = startWorker(e, dashboardProcessor('test-app', counters(), () => clock));
      await waitFor('old applied', async () => (await counter(e, 'events_applied')) >= old.length);
      clock = Date.now();
      await putEvents(e, recent);
      await waitFor('recent applied', async () => (await counter(e, 'events_applied')) >= old.length + recent.length);
      await w.stop();
      const r = await pruneRetention(e.store, Date.now(), { horizonMs: 25 * 3_600_000, batch: 40 });
      assert.equal(r.events, old.length);
      const left = await e.store.query<{ event_id: string }>('SELECT event_id FROM events');
      assert.deepEqual(new Set(left.map((x) => x.event_id)), new Set(recent.map((x) => x.eventId)));
    });
  });
}
