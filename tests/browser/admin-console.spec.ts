import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SwitchboardClient } from '@switchboard/client/node';
import { createLogger } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import { DEMO_APP, startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken, waitFor } from '@switchboard/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../e2e/business-api-scenarios.js';
import { signedIn } from '../e2e/clients.js';
import { embeddedTestConfig } from '../e2e/embedded-config.js';
import { launchChromium } from './chromium.js';

/**
 * The screenshot in docs/ is written only when asked (`UPDATE_SCREENSHOTS=1 npx vitest run tests/browser`),
 * so that a test run leaves the checkout as it found it; otherwise it goes to a temporary file.
 */
const SCREENSHOT = process.env['UPDATE_SCREENSHOTS']
  ? join(import.meta.dirname, '../../docs/admin-console.png')
  : join(tmpdir(), `sb-admin-console-${process.pid}.png`);

/**
 * The admin console in headless Chromium against a real embedded suite, as an operator uses it:
 * open /admin/, type the demo app's key (an operator app in the embedded profile), watch the counts
 * follow clients that sign in and messages that flow, find a user's device and kick it.
 */
describe('admin console in a real browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-admin-'));
  const clients: SwitchboardClient[] = [];
  let suite: Suite;
  let browser: Browser;
  let page: Page;
  let key: string;
  let token: (user: string, device: string) => Promise<string>;

  beforeAll(async () => {
    suite = await startSuite(embeddedTestConfig(dataDir), createLogger({ level: 'warn', service: 'admin' }));
    key = (await suite.storage.apiKeys.create({ appId: DEMO_APP, name: 'console' })).key;
    const secret = (await suite.storage.apps.get(DEMO_APP))!.tokenSecret;
    token = (user, device) => testToken(DEMO_APP, user, secret, '1h', device);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await browser?.close();
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const text = (id: string) => page.locator(`#${id}`).innerText();
  /** Waits until the element's text satisfies `ok` (the console polls every 300 ms here). */
  const until = (id: string, ok: (t: string) => boolean) =>
    waitFor(`#${id} to show what the test waits for`, async () => ok(await text(id)), 20_000, 100);

  it('opens with the key and follows connections, sign-ins and messages live', async () => {
    const base = suite.api.http.replace(/\/v1$/, '');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/admin/?interval=300`);
    await page.fill('#key', key);
    await page.click('#key-form button');
    await until('status', (t) => t.startsWith('live'));
    await until('connections', (t) => t === '0');
    expect(await page.locator('#gates tr').count()).toBe(2);

    for (const [user, device, url] of [
      ['alice', 'phone', suite.wsUrl],
      ['bob', 'laptop', suite.tcpUrl],
    ] as const) {
      clients.push((await signedIn(url, await token(user, device), device)).client);
    }
    await until('connections', (t) => t === '2');
    await until('online-devices', (t) => t === '2');
    await until('signin-rate', (t) => Number(t) > 0);

    await post(suite.api.http, key, 'create_group', {
      groupId: 'ops-team',
      name: 'Ops',
      ownerUserId: 'alice',
      memberUserIds: ['bob'],
    });
    let n = 0;
    const send = (targetType: string, targetId: string, senderUserId = '') =>
      post(suite.api.http, key, 'send_message', {
        senderUserId,
        targetType,
        targetId,
        contentType: 'text/plain',
        content: Buffer.from(`hello ${n}`).toString('base64'),
        clientMsgId: `console-${n++}`,
      });
    // A trickle of traffic until the console shows it as a rate and a ranking.
    const trickle = setInterval(() => {
      void send('TARGET_TYPE_GROUP', 'ops-team', 'alice');
      void send('TARGET_TYPE_ROOM', n % 3 === 0 ? 'match-7' : 'lobby');
    }, 100);
    try {
      await until('message-rate', (t) => Number(t) > 0);
      await until('top-groups', (t) => t.startsWith('ops-team'));
      await until('top-rooms', (t) => t.startsWith('lobby'));
    } finally {
      clearInterval(trickle);
    }
    expect(await text('errors')).toMatch(/^\d+$/);
    expect(errors).toEqual([]);
  });

  it("finds a user's devices and kicks one: the client is closed with KICKED_BY_ADMIN", async () => {
    const alice = clients[0]!;
    await page.fill('#user', 'alice');
    await page.click('#user-form button');
    const kick = page.locator('button.kick[data-device="phone"]');
    await kick.waitFor({ state: 'visible' });
    expect(await kick.isEnabled()).toBe(true);
    expect(await text('devices')).toContain('online');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await kick.click();
    const closed = await alice.closed;
    expect(closed.code).toBe(ErrorCode.ERROR_CODE_KICKED_BY_ADMIN);
    await until('devices', (t) => t.includes('offline'));
    await until('online-devices', (t) => t === '1');
  });

  it('shows a tenant key its own app only, with the server-wide panels refused', async () => {
    await suite.storage.apps.create({ appId: 'tenant', name: 'Tenant', tokenSecret: 'x'.repeat(43) });
    const tenantKey = (await suite.storage.apiKeys.create({ appId: 'tenant', name: 'console' })).key;
    await page.fill('#key', tenantKey);
    await page.click('#key-form button');
    await until('online-devices', (t) => t === '0');
    await page.locator('#server-note').waitFor({ state: 'visible' });
    expect(await page.locator('#gates-panel').isHidden()).toBe(true);
    await page.fill('#user', 'bob');
    await page.click('#user-form button');
    // Bob is a user of the demo app: the tenant's key finds nothing of him.
    await until('devices', (t) => t.length > 0 && !t.includes('laptop'));
  });
});
