import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@switchboard/client/node';
import { createLogger } from '@switchboard/log';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { waitFor } from '@switchboard/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTestConfig } from '../e2e/embedded-config.js';
import { launchChromium } from './chromium.js';

/** Written to docs/ only when asked (`UPDATE_SCREENSHOTS=1 npx vitest run tests/browser`), like the console's. */
const SCREENSHOT = process.env['UPDATE_SCREENSHOTS']
  ? join(import.meta.dirname, '../../docs/web-chat.png')
  : join(tmpdir(), `sb-web-chat-${process.pid}.png`);

const logger = createLogger({ level: 'warn', service: 'web-chat' });

/**
 * The web chat (`npm start`'s /chat/) in headless Chromium against a real embedded suite, as two
 * people use it: alice and bob in two browser contexts sign in with one click, chat 1:1 and in a
 * group, see who is online, unread badges and read receipts; then the suite restarts under them (same
 * data folder, same ports) and both pages show the reconnecting state, come back, and every message,
 * including one sent while the server was down, shows exactly once.
 */
describe('web chat in a real browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-web-chat-'));
  let suite: Suite;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    suite = await startSuite(embeddedTestConfig(dataDir), logger);
    browser = await launchChromium();
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(suite.chatUrl!);
      return page;
    };
    [alice, bob] = [await open(), await open()];
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits until `selector`'s text (or the count of its matches) satisfies `ok`. */
  const until = (page: Page, selector: string, ok: (text: string) => boolean) =>
    waitFor(
      `${selector} to show what the test waits for`,
      async () =>
        ok(
          await page
            .locator(selector)
            .first()
            .innerText()
            .catch(() => ''),
        ),
      20_000,
      100,
    );
  const count = (page: Page, selector: string) => page.locator(selector).count();
  const texts = (page: Page) => page.locator('#messages .msg .text').allInnerTexts();
  const send = async (page: Page, text: string) => {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
  };

  it('signs in with one click as a demo user and shows who is online', async () => {
    await alice.click('#demo-users button[data-user="alice"]');
    await bob.click('#demo-users button[data-user="bob"]');
    for (const page of [alice, bob]) await until(page, '#state', (t) => t === 'online');
    expect(await alice.locator('#me').innerText()).toBe('alice');
    await until(alice, '#people li[data-user="bob"] .dot', (t) => t === '●');
    await until(bob, '#people li[data-user="alice"] .dot', (t) => t === '●');
    expect(await alice.locator('#people li[data-user="carol"] .dot').innerText()).toBe('○');
  });

  it('chats 1:1 with an unread badge, and a read receipt once bob opens the conversation', async () => {
    await alice.click('#people li[data-user="bob"]');
    await send(alice, 'hi bob');
    await send(alice, '<b>not markup</b>');
    await until(bob, '#people li[data-user="alice"] .badge', (t) => t === '2');
    await until(alice, '#messages', (t) => t.includes('✓ sent'));

    await bob.click('#people li[data-user="alice"]');
    await until(bob, '#messages', (t) => t.includes('<b>not markup</b>'));
    expect(await texts(bob)).toEqual(['hi bob', '<b>not markup</b>']);
    expect(await count(bob, '#messages b')).toBe(0); // text, never HTML
    expect(await bob.locator('#people li[data-user="alice"] .badge').isHidden()).toBe(true);
    await until(alice, '#messages .msg.mine:last-child .receipt', (t) => t === '✓✓ read');

    await send(bob, 'hi alice');
    await until(alice, '#messages', (t) => t.includes('hi alice'));
    expect(await texts(alice)).toEqual(['hi bob', '<b>not markup</b>', 'hi alice']);
  });

  it('creates a group, which bob sees with an unread badge, and shows who read each message', async () => {
    await alice.fill('#group-name', 'Team');
    await alice.fill('#group-members', 'bob, carol');
    await alice.click('#group-form button');
    await until(alice, '#title', (t) => t === '# Team');
    await send(alice, 'hello team');
    await until(bob, '#groups li .name', (t) => t === 'Team');
    await until(bob, '#groups li .badge', (t) => Number(t) >= 1);

    await bob.click('#groups li');
    await until(bob, '#messages', (t) => t.includes('hello team'));
    expect(await texts(bob)).toEqual(['hello team']);
    await until(alice, '#messages .msg.mine .receipt', (t) => t === '✓✓ read by bob');
    await send(bob, 'hi all');
    await until(alice, '#messages', (t) => t.includes('hi all'));
    await alice.screenshot({ path: SCREENSHOT });
  });

  it('shows the reconnecting state through a server restart, and loses or doubles no message', async () => {
    await alice.click('#people li[data-user="bob"]');
    await bob.click('#people li[data-user="alice"]');
    await until(bob, '#messages', (t) => t.includes('hi alice'));
    const before = await count(bob, '#messages .msg');
    expect(before).toBe(3);

    const ports = {
      ws: Number(new URL(suite.wsUrl).port),
      tcp: Number(new URL(suite.tcpUrl.replace('tcp:', 'http:')).port),
      http: Number(new URL(suite.api.http).port),
      grpc: Number(suite.api.grpc.split(':').pop()),
    };
    await suite.stop();
    for (const page of [alice, bob]) await until(page, '#state', (t) => t === 'reconnecting…');
    // Typed while the server is down: the SDK sends it once it is back.
    await send(alice, 'sent during the restart');

    suite = await startSuite(
      embeddedTestConfig(dataDir, {
        gate: { tcp: { port: ports.tcp }, ws: { port: ports.ws } },
        logic: { api: { httpPort: ports.http, grpcPort: ports.grpc } },
      }),
      logger,
    );
    for (const page of [alice, bob]) await until(page, '#state', (t) => t === 'online');
    await send(bob, 'sent after the restart');
    const all = [
      'hi bob',
      '<b>not markup</b>',
      'hi alice',
      'sent during the restart',
      'sent after the restart',
    ];
    for (const page of [alice, bob]) {
      await until(
        page,
        '#messages',
        (t) => t.includes('sent during the restart') && t.includes('sent after the restart'),
      );
      expect(await texts(page)).toEqual(all);
      expect(await count(page, '#messages .msg')).toBe(before + 2);
    }
  });

  it('shows the newest page of a long conversation and loads older messages on scrolling up', async () => {
    // erin, from Node with the SDK and a token of the page's own endpoint, sends 45 messages.
    const grant = (await (
      await fetch(new URL('api/token', suite.chatUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'erin' }),
      })
    ).json()) as { token: string; url: string; device: string };
    const erin = createClient({ url: grant.url, token: grant.token, deviceId: grant.device });
    await erin.start();
    try {
      for (let i = 1; i <= 45; i++) await erin.send({ user: 'alice' }, `old ${i}`);
    } finally {
      await erin.close();
    }
    await until(alice, '#people li[data-user="erin"] .badge', (t) => t === '45');
    await alice.click('#people li[data-user="erin"]');
    await until(alice, '#messages', (t) => t.includes('old 45'));
    expect(await count(alice, '#messages .msg')).toBe(30);
    expect((await texts(alice))[0]).toBe('old 16');
    await alice.locator('#messages').evaluate((box) => (box.scrollTop = 0));
    await until(alice, '#messages .msg .text', (t) => t === 'old 1');
    expect(await texts(alice)).toEqual(Array.from({ length: 45 }, (_, i) => `old ${i + 1}`));
  });

  it("runs the README's browser-console snippet as printed from the chat page's console", async () => {
    // The README's block, with the token it says to paste (alice on device d1, as the README mints
    // it) and this suite's gate in place of the default port.
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const snippet = readme.match(/From a browser console[\s\S]*?```js\n([\s\S]*?)```/)![1]!;
    const [signIn, sendPart] = snippet.split('// once the SIGN_IN response is logged:\n');
    const token = (await (
      await fetch(new URL('api/token', suite.chatUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'alice', device: 'd1' }),
      })
    ).json()) as { token: string };
    const page = await contexts[0]!.newPage();
    await page.goto(suite.chatUrl!);
    const logged: string[] = [];
    page.on('console', (m) => logged.push(m.text()));
    const code = signIn!
      .replace("const TOKEN = '...';", `const TOKEN = '${token.token}';`)
      .replace('ws://127.0.0.1:7200/ws', suite.wsUrl);
    // One script, so that `ws` and `send` of the first part are there for the second.
    await page.evaluate(`${code}
      new Promise((resolve) => ws.addEventListener('message', resolve, { once: true })).then(() => {
        ${sendPart}
      });`);
    await until(bob, '#messages .msg:last-child .text', (t) => t === 'hi bob');
    expect(logged.length).toBeGreaterThanOrEqual(2); // the SIGN_IN and SEND responses
    await page.close();
    expect(errors).toEqual([]);
  });
});
