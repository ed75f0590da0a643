// test tier: e2e (the binary, a browser or the whole pipeline)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { counter, makeEnv, putEvents, waitFor, type Env } from '../helpers/consumerHarness.ts';
import { makeEvents, rollUp, startDashboardWorker, startTestServer, XSS_METADATA, XSS_NAME, XSS_USERID, xssEvent, type TestServer } from '../helpers/dashboardFixture.ts';
import { startTestStack, type TestStack } from '../helpers/testStack.ts';

// Evaluated in the page, not in Node.
declare const document: { getElementById(id: string): { textContent: string | null } | null; documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number; __xss?: number };

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!haveChromium && !inCi) process.stderr.write(`\n!!! SKIPPING the browser test: no ${CHROMIUM} (apt-get install -y chromium)\n\n`);

const number = (n: number) => new Intl.NumberFormat('en-US').format(n);

describe('the dashboard page in headless Chromium', { skip: !haveChromium && !inCi ? `no ${CHROMIUM}` : false }, () => {
  let stack: TestStack;
  let env: Env;
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  let worker: ReturnType<typeof startDashboardWorker>;

  before(async () => {
    // In CI a missing browser is a failure, never a skip.
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium)`);
    stack = await startTestStack();
    env = (await makeEnv(stack, 'sqlite', 2))!;
    server = await startTestServer(env.settings.config.db.url, { pushIntervalMs: 300 });
    profile = await mkdtemp(path.join(tmpdir(), 'centos-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });
  after(async () => {
    await worker?.stop();
    await context?.close();
    await server?.close();
    await env?.close();
    await stack?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const eventsShown = () => page.locator('#sum-events').textContent();
  const waitForEvents = async (n: number) => page.waitForFunction((want) => document.getElementById('sum-events')?.textContent === want, number(n));

  it('says "no data yet" before anything was consumed', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-conn="live"]');
    await page.waitForSelector('#banner-nodata');
    assert.equal(await eventsShown(), '0');
    assert.match((await page.locator('#latest tbody').textContent()) ?? '', /No activities yet/);
  });

  it('shows numbers that match the DB, charts, tables, and hostile strings as plain text', async () => {
    await putEvents(env, [...makeEvents(200), xssEvent()]);
    worker = startDashboardWorker(env);
    await waitFor('consumed', async () => (await counter(env, 'events_applied')) >= 201);
    await rollUp(env.store);
    await waitForEvents(await counter(env, 'events_applied'));
    await page.waitForSelector('#banner-nodata', { state: 'detached' });
    await page.waitForSelector('#activity-chart canvas');

    const [users] = await env.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM users');
    assert.equal(await page.locator('#sum-users').textContent(), number(Number(users!.n)));
    assert.equal(await page.locator('#shards tbody tr').count(), 2);
    assert.match((await page.locator('#shards tbody').textContent()) ?? '', /shardId-000000000000/);
    assert.ok((await page.locator('#gender .bar-row').count()) >= 3);
    assert.equal(await page.locator('#top-users tbody tr').count(), 8);

    // The injection attempts are in the page as text, exactly as stored...
    const latest = page.locator('#latest tbody');
    const cells = await latest.locator('td').allTextContents();
    assert.ok(cells.includes(XSS_NAME), 'the name is shown verbatim');
    assert.ok(cells.includes(XSS_USERID), 'the user id is shown verbatim');
    assert.ok(cells.includes(XSS_METADATA), 'the metadata is shown verbatim');
    // ...and none of them became markup or ran.
    assert.equal(await page.locator('main img, main script, main svg').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });

  it('updates live when new events are consumed', async () => {
    const before = await counter(env, 'events_applied');
    await putEvents(env, makeEvents(60, { prefix: 'live' }));
    await waitFor('more consumed', async () => (await counter(env, 'events_applied')) >= before + 60);
    // No reload: the number changes through the live stream.
    await waitForEvents(await counter(env, 'events_applied'));
    // `CENTOS_SCREENSHOT=docs/dashboard.png` refreshes the README's picture.
    if (process.env.CENTOS_SCREENSHOT) {
      await rollUp(env.store);
      await page.waitForFunction((want) => document.getElementById('sum-events')?.textContent === want, number(await counter(env, 'events_applied')));
      await page.screenshot({ path: process.env.CENTOS_SCREENSHOT, fullPage: true });
    }
  });

  it('fits a phone-width screen without sideways scrolling of the page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('reconnects by itself after a server restart', async () => {
    const port = server.port;
    await server.close();
    await page.waitForSelector('body[data-conn="down"]');
    await page.waitForSelector('#banner-disconnected');
    const before = await counter(env, 'events_applied');
    await putEvents(env, makeEvents(25, { prefix: 'restart' }));
    await waitFor('consumed while the server was down', async () => (await counter(env, 'events_applied')) >= before + 25);
    server = await startTestServer(env.settings.config.db.url, { pushIntervalMs: 300, port });
    await page.waitForSelector('body[data-conn="live"]');
    await waitForEvents(before + 25);
    assert.deepEqual(pageErrors, []);
  });

  it('says "database unreachable" when the database cannot be read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'centos-serve-'));
    const broken = await startTestServer(`sqlite:${path.join(dir, 'missing.db')}`);
    const other = await context.newPage();
    try {
      await other.goto(broken.url);
      await other.waitForSelector('#banner-db');
      assert.match((await other.locator('#banner-db').textContent()) ?? '', /Database unreachable/);
    } finally {
      await other.close();
      await broken.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
