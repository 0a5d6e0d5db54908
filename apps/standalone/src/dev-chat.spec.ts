import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@switchboard/client/node';
import { createLogger } from '@switchboard/log';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTestConfig } from '../../../tests/e2e/embedded-config.js';
import { banner } from './banner.js';
import { DEMO_APP, startSuite, type Suite } from './suite.js';

const logger = createLogger({ level: 'warn', service: 'dev-chat' });

/** Answers of the business HTTP port, as JSON where there is a body. */
async function call(suite: Suite, method: string, path: string, body?: unknown) {
  const res = await fetch(suite.api.http.replace(/\/v1$/, '') + path, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text.startsWith('{') ? JSON.parse(text) : {},
  };
}

describe('the web chat and its dev-only API (logic.api.devChat, on in the embedded profile)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-devchat-'));
  let suite: Suite;

  beforeAll(async () => {
    suite = await startSuite(embeddedTestConfig(dataDir), logger);
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is printed in the banner and serves the page under a CSP that allows only this origin and the gate', async () => {
    expect(banner(suite)).toContain(`web chat   ${suite.chatUrl}`);
    expect(banner(suite)).not.toContain('WARNING');
    const page = await fetch(suite.chatUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/chat/chat.js');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain(`connect-src 'self' ${new URL(suite.wsUrl).origin};`);
    expect(csp).toContain("script-src 'self';");
    const script = await call(suite, 'GET', '/chat/chat.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('mints a token of the demo app for any user, a new device each time, that signs in', async () => {
    const a = await call(suite, 'POST', '/chat/api/token', { user: 'alice' });
    const b = await call(suite, 'POST', '/chat/api/token', { user: 'alice' });
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ appId: DEMO_APP, user: 'alice', url: suite.wsUrl });
    expect(a.json.device).toMatch(/^web-[0-9a-f]{8}$/);
    expect(b.json.device).not.toBe(a.json.device);
    expect(decodeJwt(a.json.token)).toMatchObject({
      app_id: DEMO_APP,
      sub: 'alice',
      device_id: a.json.device,
    });

    const clients = [a, b].map((t) =>
      createClient({ url: t.json.url, token: t.json.token, deviceId: t.json.device }),
    );
    try {
      await Promise.all(clients.map((c) => c.start()));
      expect(clients.map((c) => c.state)).toEqual(['online', 'online']);
      const users = await call(suite, 'GET', '/chat/api/users');
      expect(users.json.users).toContainEqual({ user: 'alice', online: true });
      expect(users.json.users).toContainEqual({ user: 'bob', online: false });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('keeps the device it is given, and no other app than the configured one', async () => {
    const t = await call(suite, 'POST', '/chat/api/token', { user: 'bob', device: 'tab-1', app: 'other' });
    expect(t.status).toBe(200);
    expect(decodeJwt(t.json.token)).toMatchObject({ app_id: DEMO_APP, sub: 'bob', device_id: 'tab-1' });
  });

  it('refuses ids logic would refuse, and a body that is not an object', async () => {
    for (const body of [
      { user: '' },
      { user: 'x'.repeat(65) },
      { user: 'a\u0000b' },
      { user: 42 },
      { user: 'bob', device: 'd'.repeat(65) },
      ['bob'],
    ]) {
      const res = await call(suite, 'POST', '/chat/api/token', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe('ERROR_CODE_INVALID_ARGUMENT');
    }
    const plain = await fetch(suite.api.http.replace(/\/v1$/, '/chat/api/token'), {
      method: 'POST',
      body: 'user=bob',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415); // what a form of another site could send without a preflight
  });

  it('answers only a Host that is an IP address or localhost (no DNS rebinding from another site)', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(suite.api.http);
        const req = request(
          { host: url.hostname, port: url.port, path: '/chat/api/users', headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status('evil.example:7700')).toBe(403);
    expect(await status('localhost:7700')).toBe(200);
    expect(await status('127.0.0.1:7700')).toBe(200);
  });

  it("creates a group among chosen users and lists each member's groups", async () => {
    const created = await call(suite, 'POST', '/chat/api/groups', {
      owner: 'carol',
      name: 'Lunch',
      members: ['dave', 'carol'],
    });
    expect(created.status).toBe(200);
    expect(created.json.name).toBe('Lunch');
    for (const user of ['carol', 'dave']) {
      const mine = await call(suite, 'GET', `/chat/api/groups?user=${user}`);
      expect(mine.json.groups).toContainEqual({ group: created.json.group, name: 'Lunch' });
    }
    expect((await call(suite, 'GET', '/chat/api/groups?user=erin')).json.groups).toEqual([]);
    const tooMany = await call(suite, 'POST', '/chat/api/groups', {
      owner: 'carol',
      name: 'Crowd',
      members: Array.from({ length: 21 }, (_, i) => `u${i}`),
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('with logic.api.devChat off (the default, and production)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-devchat-off-'));
  let suite: Suite;

  beforeAll(async () => {
    const config = embeddedTestConfig(dataDir);
    config.logic.api.devChat.enabled = false;
    suite = await startSuite(config, logger);
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has no page, no token endpoint and no user list: 404, and the banner does not mention it', async () => {
    expect(suite.chatUrl).toBeUndefined();
    expect(banner(suite)).not.toContain('web chat');
    for (const [method, path, body] of [
      ['GET', '/chat/'],
      ['GET', '/chat/chat.js'],
      ['POST', '/chat/api/token', { user: 'alice' }],
      ['GET', '/chat/api/users'],
      ['GET', '/chat/api/groups?user=alice'],
      ['POST', '/chat/api/groups', { owner: 'alice', name: 'x', members: [] }],
    ] as const) {
      const res = await call(suite, method, path, body);
      expect(res.status, path).toBe(404);
      expect(res.json.code).toBe('ERROR_CODE_NOT_FOUND');
    }
  });
});

describe('the banner, when the business API listens beyond this machine', () => {
  it('warns that the dev API gives tokens to anyone who reaches the port, and says how to turn it off', () => {
    const exposed = {
      chatUrl: 'http://0.0.0.0:7700/chat/',
      wsUrl: 'ws://0.0.0.0:7200/ws',
      tcpUrl: 'tcp://0.0.0.0:7100',
      api: { http: 'http://0.0.0.0:7700/v1', grpc: '0.0.0.0:7800' },
      health: { logic: 'http://127.0.0.1:7600' },
      sqliteFile: '/tmp/sb/switchboard.db',
    } as unknown as Suite;
    const text = banner(exposed);
    expect(text).toContain(
      'WARNING    the web chat\'s dev API gives a token for any "demo" user to anyone who reaches 0.0.0.0:7700',
    );
    expect(text).toContain('SWITCHBOARD_LOGIC__API__DEV_CHAT__ENABLED=false');
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      expect(banner({ ...exposed, chatUrl: `http://${host}:7700/chat/` })).not.toContain('WARNING');
    }
  });
});

describe('with the gate on every interface (npm start -- --host 0.0.0.0)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-devchat-any-'));
  let suite: Suite;

  beforeAll(async () => {
    suite = await startSuite(embeddedTestConfig(dataDir, { gate: { host: '0.0.0.0' } }), logger);
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the page to the gate at the host it was loaded from, not at 0.0.0.0', async () => {
    const port = new URL(suite.wsUrl).port;
    const page = await call(suite, 'GET', '/chat/');
    expect(page.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ws://127.0.0.1:${port};`,
    );
    const t = await call(suite, 'POST', '/chat/api/token', { user: 'alice' });
    expect(t.json.url).toBe(`ws://127.0.0.1:${port}/ws`);
  });
});
