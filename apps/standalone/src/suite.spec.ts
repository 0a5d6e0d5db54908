import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwitchboardClient, TcpClientTransport, WsClientTransport } from '@switchboard/client/node';
import { loadConfig } from '@switchboard/config';
import { createLogger, memoryDestination } from '@switchboard/log';
import { ConversationType, ErrorCode, type Message } from '@switchboard/proto/client';
import { testToken } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSuite, type Suite } from './suite.js';

const MAX_CONTENT_BYTES = 64;

/** Listening sockets of this process (grpc-js and node:http servers alike are TCPServerWrap). */
const listeners = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

async function client(url: string): Promise<SwitchboardClient> {
  const u = new URL(url);
  return new SwitchboardClient(
    u.protocol === 'tcp:'
      ? await TcpClientTransport.connect(u.hostname, Number(u.port))
      : await WsClientTransport.connect(url),
  );
}

function nextPush(c: SwitchboardClient): Promise<Message> {
  return new Promise((resolve) => c.onPush(resolve));
}

describe('the embedded suite calls its internal hops in process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-suite-'));
  const logs = memoryDestination();
  let suite: Suite;
  let before = 0;
  const appId = `inproc-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  const token = (user: string) => testToken(appId, user, secret, '1h');

  beforeAll(async () => {
    const config = loadConfig({
      profile: 'embedded',
      env: {},
      overrides: {
        dataDir,
        sqlite: { file: join(dataDir, 'switchboard.db') },
        gate: { grpcPort: 0, tcp: { port: 0 }, ws: { port: 0 }, health: { enabled: false, port: 0 } },
        route: { grpcPort: 0, health: { enabled: false, port: 0 } },
        logic: {
          grpcPort: 0,
          httpPort: 0,
          api: { httpPort: 0, grpcPort: 0 },
          maxContentBytes: MAX_CONTENT_BYTES,
        },
      } as never,
    });
    before = listeners();
    suite = await startSuite(config, createLogger({ level: 'info', service: 'test', destination: logs }));
    await suite.storage.apps.create({ appId, name: appId, tokenSecret: secret });
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(logs.lines.filter((l) => Number(l['level']) >= 50)).toEqual([]);
  });

  it('listens only where clients and the business API connect: no internal gRPC port', () => {
    // TCP gate, WebSocket gate, logic's health/metrics HTTP, business API HTTP and gRPC; a suite on
    // loopback gRPC had three more (route, logic and each gate's GateService).
    expect(listeners() - before).toBe(5);
    expect(Object.keys(suite)).not.toContain('routeAddress');
  });

  it('delivers TCP → WS and WS → TCP through gate, logic and route in process', async () => {
    const alice = await client(suite.tcpUrl);
    const bob = await client(suite.wsUrl);
    try {
      expect((await alice.signIn({ token: await token('alice'), deviceId: 'a1' })).userId).toBe('alice');
      expect((await bob.signIn({ token: await token('bob'), deviceId: 'b1' })).userId).toBe('bob');

      const toBob = nextPush(bob);
      const sent = await alice.sendText('bob', 'hi bob', 'm1');
      const got = await toBob;
      expect(Buffer.from(got.content).toString()).toBe('hi bob');
      expect(got.messageId).toBe(sent.messageId);

      const toAlice = nextPush(alice);
      await bob.sendText('alice', 'hi alice', 'm2');
      expect(Buffer.from((await toAlice).content).toString()).toBe('hi alice');
    } finally {
      alice.close();
      bob.close();
    }
  });

  it.each([
    ['TCP', () => suite.tcpUrl],
    ['WS', () => suite.wsUrl],
  ])("answers a SEND logic refuses with logic's code (%s)", async (_name, url) => {
    const carol = await client(url());
    try {
      await carol.signIn({ token: await token('carol'), deviceId: 'c1' });
      const refused = await carol
        .send({
          clientMsgId: 'big',
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'alice' },
          contentType: 'text',
          content: Buffer.alloc(MAX_CONTENT_BYTES + 1),
        })
        .catch((err: unknown) => err);
      expect((refused as { code: number }).code).toBe(ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE);
    } finally {
      carol.close();
    }
  });

  it("answers a sign-in logic refuses with logic's code", async () => {
    const dave = await client(suite.wsUrl);
    try {
      const forged = await testToken(appId, 'dave', randomBytes(32).toString('base64url'), '1h');
      const refused = await dave.signIn({ token: forged, deviceId: 'd1' }).catch((err: unknown) => err);
      expect((refused as { code: number }).code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    } finally {
      dave.close();
    }
  });
});
