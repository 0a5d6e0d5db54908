import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { SwitchboardClient } from '@switchboard/client/node';
import { createLogger } from '@switchboard/log';
import {
  BusinessServiceClient,
  type GetServerStatsResponse,
  type GetTopConversationsResponse,
} from '@switchboard/proto/business';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from './business-api-scenarios.js';
import { signedIn } from './clients.js';
import { embeddedTestConfig } from './embedded-config.js';

interface App {
  appId: string;
  key: string;
  token(user: string, device: string): Promise<string>;
}

/**
 * What the admin console reads, over both transports, on a real suite: server-wide numbers for an
 * operator app's key only, and each app's top groups and rooms for its own key only.
 */
describe('GetServerStats and GetTopConversations on the embedded suite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-stats-'));
  const clients: SwitchboardClient[] = [];
  let suite: Suite;
  let grpc: BusinessServiceClient;
  let ops: App;
  let shop: App;

  beforeAll(async () => {
    const config = embeddedTestConfig(dataDir, {
      logic: { api: { httpPort: 0, grpcPort: 0, operatorApps: ['ops'] } },
    });
    suite = await startSuite(config, createLogger({ level: 'warn', service: 'stats' }));
    const make = async (appId: string): Promise<App> => {
      const secret = randomBytes(32).toString('base64url');
      await suite.storage.apps.create({ appId, name: appId, tokenSecret: secret });
      const { key } = await suite.storage.apiKeys.create({ appId, name: 'test' });
      return { appId, key, token: (user, device) => testToken(appId, user, secret, '1h', device) };
    };
    ops = await make('ops');
    shop = await make('shop');
    grpc = new BusinessServiceClient(suite.api.grpc, credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    grpc?.close();
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rpc = <Res>(method: 'getServerStats' | 'getTopConversations', key: string, req: object = {}) =>
    new Promise<Res>((resolve, reject) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${key}`);
      const fn = grpc[method] as unknown as (
        r: object,
        m: Metadata,
        cb: (err: ServiceError | null, res: Res) => void,
      ) => void;
      fn.call(grpc, req, md, (err, res) => (err ? reject(err) : resolve(res)));
    });

  it('refuses server-wide numbers to a key of an app that is not an operator, on both transports', async () => {
    const http = await post(suite.api.http, shop.key, 'get_server_stats', {});
    expect(http.status).toBe(403);
    expect(http.body).toMatchObject({ code: 'ERROR_CODE_PERMISSION_DENIED' });
    expect(JSON.stringify(http.body)).not.toContain('gate');
    await expect(rpc('getServerStats', shop.key)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('lists both gates with their lease and counts connections and sign-ins of every app', async () => {
    const before = await rpc<GetServerStatsResponse>('getServerStats', ops.key);
    expect(before.gates.map((g) => g.gateId).sort()).toEqual(['tcp', 'ws']);
    for (const g of before.gates) {
      expect(g.reachable).toBe(true);
      expect(g.leaseRemainingMs).toBeGreaterThan(0);
      expect(g.startedAt).toBeGreaterThan(0);
      expect(g.startedAt).toBeLessThanOrEqual(before.serverTime);
      expect(g.leaseExpiresAt).toBeGreaterThan(before.serverTime - 60_000);
    }
    // A device of another app counts too: the numbers are the server's, which is why only operators see them.
    const { client } = await signedIn(suite.wsUrl, await shop.token('carol', 'c1'), 'c1');
    clients.push(client);
    const after = await post(suite.api.http, ops.key, 'get_server_stats', {});
    expect(after.status).toBe(200);
    const body = after.body as {
      gates: Array<{ gateId: string; connections: number; signedIn: number }>;
      logic: { signIns: string };
    };
    expect(body.gates.find((g) => g.gateId === 'ws')).toMatchObject({ connections: 1, signedIn: 1 });
    expect(Number(body.logic.signIns)).toBe(before.logic!.signIns + 1);
  });

  it("ranks an app's groups and rooms by messages and shows them to that app's key only", async () => {
    let sent = 0;
    const send = (key: string, targetType: string, targetId: string, senderUserId = '') =>
      post(suite.api.http, key, 'send_message', {
        senderUserId,
        targetType,
        targetId,
        contentType: 'text/plain',
        content: Buffer.from('hi').toString('base64'),
        clientMsgId: `m-${++sent}`,
      });
    await post(suite.api.http, shop.key, 'create_group', {
      groupId: 'g-busy',
      name: 'busy',
      ownerUserId: 'alice',
      memberUserIds: ['bob'],
    });
    for (let i = 0; i < 3; i++)
      expect((await send(shop.key, 'TARGET_TYPE_GROUP', 'g-busy', 'alice')).status).toBe(200);
    for (const room of ['lobby', 'lobby', 'quiet']) {
      expect((await send(shop.key, 'TARGET_TYPE_ROOM', room)).status).toBe(200);
    }
    const top = await post(suite.api.http, shop.key, 'get_top_conversations', { limit: 5 });
    expect(top.body).toMatchObject({
      // Three sends and the group's creation event, which is stored and pushed like a message.
      groups: [{ kind: 'group', id: 'g-busy', messages: '4' }],
      rooms: [
        { kind: 'room', id: 'lobby', messages: '2' },
        { kind: 'room', id: 'quiet', messages: '1' },
      ],
      windowMs: '300000',
    });
    const viaGrpc = await rpc<GetTopConversationsResponse>('getTopConversations', shop.key, { limit: 1 });
    expect(viaGrpc.rooms).toEqual([{ kind: 'room', id: 'lobby', messages: 2 }]);
    // Another app's key, the operator's included, sees none of it.
    const other = await rpc<GetTopConversationsResponse>('getTopConversations', ops.key, { limit: 0 });
    expect(other).toMatchObject({ groups: [], rooms: [] });
    await waitFor('the stored group messages to be counted server-wide', async () => {
      const s = await rpc<GetServerStatsResponse>('getServerStats', ops.key);
      return s.logic!.messagesStored >= 3;
    });
  });

  it('refuses a limit above 50', async () => {
    const res = await post(suite.api.http, shop.key, 'get_top_conversations', { limit: 51 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'limit' });
  });
});
