import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode } from '@switchboard/proto/client';
import { ServiceProcess, waitFor } from '@switchboard/testing';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigInboxScenario } from './big-inbox-scenario.js';
import { chatScenarios } from './chat-scenarios.js';
import { connect } from './clients.js';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** `npm start` as a person runs it, on free ports and a scratch data folder. */
describe('embedded suite (npm start: one process, SQLite, memory route store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-embedded-'));
  const env = {
    SWITCHBOARD_GATE__GRPC_PORT: '0',
    SWITCHBOARD_ROUTE__GRPC_PORT: '0',
    SWITCHBOARD_LOGIC__GRPC_PORT: '0',
    SWITCHBOARD_LOGIC__HTTP_PORT: '0',
    SWITCHBOARD_LOGIC__API__HTTP_PORT: '0',
    SWITCHBOARD_LOGIC__API__GRPC_PORT: '0',
    SWITCHBOARD_ROUTE__HEALTH__PORT: '0',
    SWITCHBOARD_GATE__HEALTH__PORT: '0',
    SWITCHBOARD_LOG__LEVEL: 'warn',
  };
  let suite: ServiceProcess;
  let tcpUrl = '';
  let wsUrl = '';

  beforeAll(async () => {
    suite = ServiceProcess.start('standalone', env, [
      '--tcp-port',
      '0',
      '--ws-port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    wsUrl = (await suite.waitForLine(/WebSocket\s+ws:\/\//, 60_000)).match(/ws:\/\/\S+/)![0];
    tcpUrl = (await suite.waitForLine(/TCP\s+tcp:\/\//)).match(/tcp:\/\/\S+/)![0];
  }, 90_000);

  afterAll(async () => {
    const code = await suite.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  /** Mints a token with the CLI, which reads the demo app's secret from the embedded database. */
  const token = async (user: string, device?: string, ttl = '1h') => {
    const args = [join(root, 'apps/cli/src/main.ts'), 'token', '--app', 'demo', '--user', user, '--ttl', ttl];
    if (device) args.push('--device', device);
    const { stdout } = await run(join(root, 'node_modules/.bin/tsx'), args, {
      cwd: root,
      env: { ...process.env, SWITCHBOARD_SQLITE__FILE: join(dataDir, 'switchboard.db') },
    });
    return stdout.trim();
  };

  it('prints where to connect, and every listed metrics endpoint answers', async () => {
    expect(tcpUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const metricsLine = await suite.waitForLine(/metrics\s+http:\/\//);
    const urls = metricsLine.match(/http:\/\/\S+\/metrics/g) ?? [];
    expect(urls).toHaveLength(4);
    for (const url of urls) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      const body = await res.text();
      expect(body, url).toContain('# HELP switchboard_');
      expect(body, url).toContain('# TYPE process_cpu_seconds_total counter');
    }
  });

  it('prints the business API URL, which serves its OpenAPI document, and how to get a key', async () => {
    const line = await suite.waitForLine(/HTTP API\s+http:\/\//);
    const api = line.match(/http:\/\/\S+\/v1\//)![0];
    const res = await fetch(`${api}openapi.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);
    await suite.waitForLine(/npx switchboard app key create --app demo/);
  });

  it("runs the README's browser-console example (JSON subprotocol, payloads as objects)", async () => {
    const open = async (user: string) => {
      const ws = new WebSocket(wsUrl, 'switchboard.v1.json');
      const inbox: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
      ws.on('message', (d) => inbox.push(JSON.parse(String(d))));
      await new Promise((r) => ws.once('open', r));
      const send = (p: object) => ws.send(JSON.stringify(p));
      send({
        type: 'PACKET_TYPE_SIGN_IN',
        requestId: 1,
        // As the README mints it (`--device d1`) and signs in with it: the token names the device.
        data: { token: await token(user, 'd1') },
      });
      await waitFor(`${user} signed in`, () => inbox.find((p) => p['requestId'] === 1));
      return { ws, inbox, send };
    };
    const alice = await open('readme-alice');
    const bob = await open('readme-bob');
    expect(alice.inbox[0]).toMatchObject({
      type: 'PACKET_TYPE_SIGN_IN',
      requestId: 1,
      data: { userId: 'readme-alice', deviceId: 'd1' },
    });
    alice.send({
      type: 'PACKET_TYPE_SEND',
      requestId: 2,
      data: {
        clientMsgId: 'm1',
        conversation: { type: 'CONVERSATION_TYPE_USER', id: 'readme-bob' },
        contentType: 'text',
        content: Buffer.from('hi bob').toString('base64'),
      },
    });
    const sent = await waitFor('the SEND response', () => alice.inbox.find((p) => p['requestId'] === 2));
    expect(sent).toMatchObject({ type: 'PACKET_TYPE_SEND', data: { seq: 1, conversationSeq: 1 } });
    const push = await waitFor('bob to get the push', () =>
      bob.inbox.find((p) => p['type'] === 'PACKET_TYPE_MESSAGE'),
    );
    expect(push['data']).toMatchObject({
      seq: 1,
      conversation: { type: 'CONVERSATION_TYPE_USER', id: 'readme-alice' },
      sender: { userId: 'readme-alice', deviceId: 'd1' },
      contentType: 'text',
    });
    expect(Buffer.from(push['data'].content, 'base64').toString()).toBe('hi bob');
    alice.ws.close();
    bob.ws.close();
  });

  it('closes a connection that signs in with a forged or expired token, with the reason', async () => {
    const forged = await new SignJWT({ app_id: 'demo' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-demo-secret'));
    // A real token of the demo app that has run out: minted with a 1-second ttl, used after 2.
    const expired = await token('alice', 'd1', '1s');
    await new Promise((r) => setTimeout(r, 2_100));
    for (const [t, code] of [
      [forged, ErrorCode.ERROR_CODE_TOKEN_INVALID],
      [expired, ErrorCode.ERROR_CODE_TOKEN_EXPIRED],
    ] as const) {
      const client = await connect(tcpUrl);
      await expect(client.signIn({ token: t, deviceId: 'd1' })).rejects.toMatchObject({ code });
      expect((await client.closed).code).toBe(code);
    }
  });

  it('passes the chat scenarios over TCP and WebSocket', async () => {
    await chatScenarios({ tcpUrl, wsUrl, otherUrl: wsUrl, token }, 'e1');
  }, 60_000);

  it("pages a victim's inbox full of maximum-size messages by bytes (SYNC and HISTORY)", async () => {
    await bigInboxScenario({ tcpUrl, wsUrl, otherUrl: wsUrl, token }, 'e1');
  }, 60_000);
});
