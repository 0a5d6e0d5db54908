import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { renderResponse } from '@switchboard/logic/business-json';
import * as business from '@switchboard/proto/business';
import {
  BusinessServiceClient,
  TargetType,
  type GetUserRequest,
  type GetUserResponse,
  type SendMessageRequest,
  type SendMessageResponse,
} from '@switchboard/proto/business';
import { ConversationType, ErrorCode } from '@switchboard/proto/client';
import type { SwitchboardClient } from '@switchboard/client/node';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@switchboard/offline-push';
import { waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signedIn, text } from './clients.js';

/** Where one running suite is and how to act as two apps (tenants) of it. */
export interface BusinessTarget {
  /** `http://host:port/v1` of one logic instance's business API. */
  api: string;
  /** host:port of one logic instance's business gRPC. */
  grpc: string;
  /** Client gateways (scenarios spread clients over them). */
  gateUrls: readonly string[];
  /** Sets an app's offline-push webhook (what `switchboard app webhook set` stores). */
  setWebhook(appId: string, url: string, secret: string): Promise<void>;
  apps: {
    a: { appId: string; apiKey: string; token(user: string, device?: string): Promise<string> };
    b: { appId: string; apiKey: string; token(user: string, device?: string): Promise<string> };
  };
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POST /v1/<method> with a key, as curl would. */
export async function post(api: string, key: string, method: string, body: unknown): Promise<HttpAnswer> {
  const res = await fetch(`${api}/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

type Codec = { fromJSON(o: unknown): unknown; toJSON(m: unknown): unknown };
const codecs = business as unknown as Record<string, Codec>;
const capital = (m: string) => m[0]!.toUpperCase() + m.slice(1);
/** The generated request message of an rpc from its JSON (camelCase) body. */
const fromJson = (method: string, body: unknown) => codecs[`${capital(method)}Request`]!.fromJSON(body);
/** A gRPC response as the HTTP API renders it: 64-bit integers as strings, defaults present. */
const toJson = (method: string, res: unknown) =>
  renderResponse(`${capital(method)}Response`, codecs[`${capital(method)}Response`]!.toJSON(res));

/**
 * The business API as an app's servers use it, over HTTP and gRPC, against a running suite: each
 * operation with its effect on real client connections, and app B's key, tokens and devices kept
 * out of everything of app A.
 */
export function businessApiScenarios(target: () => BusinessTarget): void {
  const clients: SwitchboardClient[] = [];
  let grpc: BusinessServiceClient | undefined;
  // App A's webhook receiver, set before any traffic: it fails its first two calls (500), then
  // records every event it gets.
  const webhookSecret = 'whsec-e2e-secret';
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let failuresLeft = 2;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (failuresLeft-- > 0) {
        res.statusCode = 500;
        res.end();
        return;
      }
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const { port } = receiver.address() as AddressInfo;
    await t().setWebhook(t().apps.a.appId, `http://127.0.0.1:${port}/hook`, webhookSecret);
  });
  afterAll(() => {
    for (const c of clients) c.close();
    grpc?.close();
    receiver.close();
  });

  const t = () => target();
  const gate = (i: number) => t().gateUrls[i % t().gateUrls.length]!;
  const open = async (app: 'a' | 'b', user: string, device: string, i = 0) => {
    const token = await t().apps[app].token(user, device);
    const { client } = await signedIn(gate(i), token, device);
    // signedIn signs in with platform "test"; the scenarios that check platforms open their own.
    clients.push(client);
    return client;
  };
  const openWithPlatform = async (app: 'a' | 'b', user: string, device: string, platform: string) => {
    const { connect } = await import('./clients.js');
    const client = await connect(gate(1));
    await client.signIn({ token: await t().apps[app].token(user, device), deviceId: device, platform });
    clients.push(client);
    return client;
  };
  const a = (method: string, body: unknown) => post(t().api, t().apps.a.apiKey, method, body);
  const b = (method: string, body: unknown) => post(t().api, t().apps.b.apiKey, method, body);
  /** One BusinessService call over gRPC with app A's key (or `key`). */
  const rpc = <Req, Res>(
    method: (
      this: BusinessServiceClient,
      req: Req,
      md: Metadata,
      cb: (err: ServiceError | null, res: Res) => void,
    ) => unknown,
    req: Req,
    key = t().apps.a.apiKey,
  ) =>
    new Promise<Res>((resolve, reject) => {
      grpc ??= new BusinessServiceClient(t().grpc, credentials.createInsecure());
      const md = new Metadata();
      md.set('authorization', `Bearer ${key}`);
      method.call(grpc, req, md, (err, res) => (err ? reject(err) : resolve(res)));
    });

  it('refuses a call without a key, with a malformed key and with a revoked-looking key', async () => {
    const none = await fetch(`${t().api}/get_user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":"alice"}',
    });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'ERROR_CODE_INVALID_API_KEY' });
    for (const key of ['nope', 'sb_AAAAAAAAAAAA_' + 'x'.repeat(43), t().apps.a.apiKey + 'x']) {
      const r = await post(t().api, key, 'get_user', { userId: 'alice' });
      expect(r.status, key).toBe(401);
    }
    await expect(
      rpc(BusinessServiceClient.prototype.getUser, { userId: 'alice' }, 'nope'),
    ).rejects.toMatchObject({
      code: 16, // UNAUTHENTICATED
    });
  });

  it('upserts and reads users over HTTP and gRPC; bad input names the field', async () => {
    const up = await a('upsert_user', {
      user: { user_id: 'alice', nickname: 'Alice', extra: '{"plan":"pro"}' },
    });
    expect(up.status).toBe(200);
    expect(up.body['user']).toMatchObject({ userId: 'alice', nickname: 'Alice', extra: '{"plan":"pro"}' });
    expect(typeof (up.body['user'] as Record<string, unknown>)['createdAt']).toBe('string');
    const viaGrpc = await rpc<GetUserRequest, GetUserResponse>(BusinessServiceClient.prototype.getUser, {
      userId: 'alice',
    });
    expect(viaGrpc.user).toMatchObject({ userId: 'alice', nickname: 'Alice' });
    const missing = await a('get_user', { userId: 'nobody' });
    expect(missing).toMatchObject({ status: 404, body: { code: 'ERROR_CODE_USER_NOT_FOUND' } });
    const bad = await a('upsert_user', { user: { userId: 'x'.repeat(65) } });
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'user.user_id' },
    });
    const badJson = await a('upsert_user', { user: { userId: 'carol', extra: '{not json' } });
    expect(badJson).toMatchObject({ status: 400, body: { field: 'user.extra' } });
  });

  it('sends as a user and as the system: stored, pushed, synced, idempotent', async () => {
    const bob = await open('a', 'bob', 'bob-phone', 0);
    const alicePhone = await open('a', 'alice', 'alice-phone', 1);
    const sent = await a('send_message', {
      senderUserId: 'alice',
      targetType: 'TARGET_TYPE_USER',
      targetId: 'bob',
      contentType: 'text/plain',
      content: b64('hello bob'),
      clientMsgId: 'biz-1',
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ duplicate: false });
    await waitFor('bob.pushes.some((m) => text(m) === hello bob)', () =>
      bob.pushes.some((m) => text(m) === 'hello bob'),
    );
    // The sender's devices get it too: the business API sent it from no device of theirs.
    await waitFor('alicePhone.pushes.some((m) => text(m) === hello bob)', () =>
      alicePhone.pushes.some((m) => text(m) === 'hello bob'),
    );
    const again = await a('send_message', {
      senderUserId: 'alice',
      targetType: 'TARGET_TYPE_USER',
      targetId: 'bob',
      contentType: 'text/plain',
      content: b64('hello bob'),
      clientMsgId: 'biz-1',
    });
    expect(again.body).toMatchObject({ messageId: sent.body['messageId'], duplicate: true });

    const system = await rpc<SendMessageRequest, SendMessageResponse>(
      BusinessServiceClient.prototype.sendMessage,
      {
        senderUserId: '',
        targetType: TargetType.TARGET_TYPE_USER,
        targetId: 'bob',
        contentType: 'text/plain',
        content: Buffer.from('your order shipped'),
        clientMsgId: 'notice-1',
      },
    );
    expect(system.messageId).toBeGreaterThan(0);
    await waitFor('bob.pushes.some((m) => text(m) === your order shipped)', () =>
      bob.pushes.some((m) => text(m) === 'your order shipped'),
    );
    const synced = await bob.syncAll(0);
    expect(synced.map((m) => [text(m), m.conversation])).toEqual([
      ['hello bob', { type: ConversationType.CONVERSATION_TYPE_USER, id: 'alice' }],
      ['your order shipped', { type: ConversationType.CONVERSATION_TYPE_SYSTEM, id: '' }],
    ]);
    const history = await a('get_history', { userId: 'bob', peerUserId: 'alice' });
    expect((history.body['messages'] as unknown[]).length).toBe(1);
    const systemHistory = await a('get_history', { userId: 'bob' });
    expect(systemHistory.body['messages']).toMatchObject([
      { senderUserId: '', content: b64('your order shipped') },
    ]);

    // A user never upserted and never signed in is known once a message is in its inbox
    // (docs/business-api.md, get_user): an empty profile, created when that message arrived.
    expect((await a('get_user', { userId: 'dora' })).status).toBe(404);
    const before = Date.now();
    expect(
      (
        await a('send_message', {
          targetType: 'TARGET_TYPE_USER',
          targetId: 'dora',
          contentType: 'text/plain',
          content: b64('welcome'),
          clientMsgId: 'welcome-dora',
        })
      ).status,
    ).toBe(200);
    const dora = await a('get_user', { userId: 'dora' });
    expect(dora).toMatchObject({ status: 200, body: { user: { userId: 'dora', nickname: '', tags: [] } } });
    const createdAt = Number((dora.body['user'] as Record<string, unknown>)['createdAt']);
    expect(createdAt).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('pushes live to a room, to tags (also tags set after sign-in) and to the whole app', async () => {
    const viewer = await open('a', 'viewer', 'v1', 0);
    await viewer.subscribeRoom('match-7');
    const room = await a('send_message', {
      targetType: 'TARGET_TYPE_ROOM',
      targetId: 'match-7',
      contentType: 'text/plain',
      content: b64('goal!'),
    });
    expect(room.body).toMatchObject({ messageId: '0', delivered: 1 });
    await waitFor('viewer.pushes.some((m) => text(m) === goal! && m.messageId', () =>
      viewer.pushes.some((m) => text(m) === 'goal!' && m.messageId === 0 && m.seq === 0),
    );

    const pro = await open('a', 'pro-user', 'p1', 1);
    const tags = await a('set_user_tags', { userId: 'pro-user', tags: ['plan_pro'] });
    expect(tags.body).toMatchObject({ updatedConnections: 1, user: { tags: ['plan_pro'] } });
    const counts = await a('get_online_counts', { roomId: 'match-7', tag: 'plan_pro' });
    expect(counts.body).toMatchObject({ roomSubscribers: 1, tagConnections: 1, unreachableGates: 0 });
    const pushed = await a('push_to_tags', {
      expression: { allOf: ['plan_pro'], noneOf: ['beta'] },
      contentType: 'text/plain',
      content: b64('new feature'),
    });
    expect(pushed.body).toMatchObject({ delivered: 1 });
    await waitFor('pro.pushes.some((m) => text(m) === new feature)', () =>
      pro.pushes.some((m) => text(m) === 'new feature'),
    );
    expect(viewer.pushes.some((m) => text(m) === 'new feature')).toBe(false);
    // A new connection of the user carries the tag from sign-in.
    const pro2 = await open('a', 'pro-user', 'p2', 0);
    await a('push_to_tags', { expression: { anyOf: ['plan_pro'] }, contentType: 't', content: b64('again') });
    await waitFor('pro2.pushes.some((m) => text(m) === again)', () =>
      pro2.pushes.some((m) => text(m) === 'again'),
    );

    const all = await a('broadcast', { contentType: 'text/plain', content: b64('maintenance') });
    expect(Number(all.body['delivered'])).toBeGreaterThanOrEqual(3);
    await waitFor('viewer.pushes.some((m) => text(m) === maintenance)', () =>
      viewer.pushes.some((m) => text(m) === 'maintenance'),
    );
  });

  it('lists devices with presence and platforms, kicks one with a reason', async () => {
    const dave = await openWithPlatform('a', 'dave', 'dave-web', 'web');
    const online = await a('is_online', { userIds: ['dave', 'nobody'] });
    expect(online.body).toMatchObject({
      online: { dave: true, nobody: false },
      users: [
        { userId: 'dave', online: true, platforms: ['web'] },
        { userId: 'nobody', online: false, platforms: [] },
      ],
    });
    const devices = await a('list_devices', { userId: 'dave' });
    expect(devices.body['devices']).toMatchObject([{ deviceId: 'dave-web', platform: 'web', online: true }]);
    const kicked = await a('kick_device', {
      userId: 'dave',
      deviceId: 'dave-web',
      reason: 'signed out elsewhere',
    });
    expect(kicked.body).toEqual({ kicked: true });
    const closed = await dave.closed;
    expect(closed.code).toBe(ErrorCode.ERROR_CODE_KICKED_BY_ADMIN);
    await waitFor(
      '(await a(is_online, { userIds: [dave] })).body[online]',
      async () => (await a('is_online', { userIds: ['dave'] })).body['online']?.['dave' as never] === false,
    );
  });

  it('revokes tokens: connected devices are kicked, old tokens refused, new ones work', async () => {
    const oldToken = await t().apps.a.token('mallory', 'm1');
    const mallory = await open('a', 'mallory', 'm1', 0);
    const r = await a('revoke_user_tokens', { userId: 'mallory' });
    expect(r.body).toMatchObject({ kickedDevices: 1 });
    expect((await mallory.closed).code).toBe(ErrorCode.ERROR_CODE_TOKEN_REVOKED);
    const { connect } = await import('./clients.js');
    const again = await connect(gate(1));
    clients.push(again);
    await expect(again.signIn({ token: oldToken, deviceId: 'm1' })).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_TOKEN_REVOKED,
    });
    // Tokens are stamped in whole seconds: one minted in a later second works.
    const revokedBefore = Number(r.body['revokedBefore']);
    await waitFor(
      'Date.now() >= Math.ceil((revokedBefore + 1) / 1000) * 1000, ',
      () => Date.now() >= Math.ceil((revokedBefore + 1) / 1000) * 1000,
      3_000,
    );
    await open('a', 'mallory', 'm1', 1);
  });

  it('answers the same over gRPC as over HTTP, and keeps app B out over gRPC too', async () => {
    await a('upsert_user', { user: { userId: 'twin', nickname: 'Twin' } });
    const requests: Array<[string, string, Record<string, unknown>]> = [
      ['getUser', 'get_user', { userId: 'twin' }],
      ['listDevices', 'list_devices', { userId: 'twin' }],
      ['isOnline', 'is_online', { userIds: ['twin', 'bob'] }],
      ['getOnlineCounts', 'get_online_counts', { roomId: 'nowhere', tag: 'nothing' }],
      ['getHistory', 'get_history', { userId: 'bob', peerUserId: 'alice' }],
    ];
    for (const [method, path, body] of requests) {
      const http = await a(path, body);
      const fromGrpc = await rpc<unknown, unknown>(
        (BusinessServiceClient.prototype as unknown as Record<string, never>)[method]!,
        fromJson(method, body),
      );
      expect(toJson(method, fromGrpc), method).toEqual(http.body);
    }
    await expect(
      rpc<GetUserRequest, GetUserResponse>(
        BusinessServiceClient.prototype.getUser,
        { userId: 'twin' },
        t().apps.b.apiKey,
      ),
    ).rejects.toMatchObject({ code: 5 }); // NOT_FOUND: B has no user "twin"
  });

  it('posts an offline-push event, signed, for a message to a user with no device online', async () => {
    const awake = await open('a', 'awake', 'd1', 0);
    for (const [to, words] of [
      ['awake', 'are you there'],
      ['sleeper', 'wake up'],
    ] as const) {
      const r = await a('send_message', {
        senderUserId: 'alice',
        targetType: 'TARGET_TYPE_USER',
        targetId: to,
        contentType: 'text/plain',
        content: b64(words),
        clientMsgId: `hook-${to}`,
      });
      expect(r.status).toBe(200);
    }
    await waitFor('awake got its push', () => awake.pushes.some((m) => text(m) === 'are you there'));
    // The receiver failed twice first: what arrives came through retries.
    const event = await waitFor(
      'the webhook event for sleeper',
      () => received.find((e) => (JSON.parse(e.body) as { userId: string }).userId === 'sleeper'),
      30_000,
    );
    const body = JSON.parse(event.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'offline_message',
      appId: t().apps.a.appId,
      userId: 'sleeper',
      senderUserId: 'alice',
      contentType: 'text/plain',
      preview: 'wake up',
    });
    expect(body['messageId']).toMatch(/^[1-9][0-9]*$/);
    expect(event.headers['x-switchboard-event-id']).toBe(body['id']);
    expect(
      verifyWebhookSignature({
        secret: webhookSecret,
        timestamp: String(event.headers['x-switchboard-timestamp']),
        body: event.body,
        signature: String(event.headers['x-switchboard-signature']),
      }),
    ).toBe(true);
    // Only users with no device online are posted about, and app B's traffic never reaches A's hook.
    const users = received.map((e) => JSON.parse(e.body) as { userId: string; appId: string });
    expect(users.filter((u) => u.userId === 'awake')).toEqual([]);
    expect(new Set(users.map((u) => u.appId))).toEqual(new Set([t().apps.a.appId]));
  });

  it("keeps app B out of app A's users, devices, messages and connections", async () => {
    const aliceA = await open('a', 'shared-name', 'phone', 0);
    // B's user of the same name is another user, with its own inbox and connection.
    const sameNameB = await open('b', 'shared-name', 'b-phone', 1);
    await aliceA.subscribeRoom('lobby');
    await a('set_user_tags', { userId: 'shared-name', tags: ['vip'] });
    await a('upsert_user', { user: { userId: 'only-in-a', nickname: 'A' } });

    expect((await b('get_user', { userId: 'only-in-a' })).status).toBe(404);
    // B sees its own user of that name, with its own device only.
    expect((await b('list_devices', { userId: 'shared-name' })).body['devices']).toMatchObject([
      { deviceId: 'b-phone', online: true },
    ]);
    // Online in B only through B's own device: A's device of the same user id is not counted.
    expect((await b('is_online', { userIds: ['shared-name'] })).body['users']).toEqual([
      { userId: 'shared-name', online: true, platforms: ['test'] },
    ]);
    expect((await b('get_online_counts', { roomId: 'lobby', tag: 'vip' })).body).toMatchObject({
      roomSubscribers: 0,
      tagConnections: 0,
    });
    expect((await b('kick_device', { userId: 'shared-name', deviceId: 'phone' })).body).toEqual({
      kicked: false,
    });
    expect((await b('get_history', { userId: 'bob', peerUserId: 'alice' })).body['messages']).toEqual([]);
    await b('broadcast', { contentType: 't', content: b64('from B to all') });
    await b('push_to_tags', {
      expression: { allOf: ['vip'] },
      contentType: 't',
      content: b64('from B to vip'),
    });
    await b('send_message', {
      targetType: 'TARGET_TYPE_ROOM',
      targetId: 'lobby',
      contentType: 't',
      content: b64('from B to lobby'),
    });
    await b('send_message', {
      targetType: 'TARGET_TYPE_USER',
      targetId: 'shared-name',
      contentType: 't',
      content: b64('from B'),
      clientMsgId: 'x1',
    });
    await b('set_user_tags', { userId: 'shared-name', tags: [] });
    await waitFor('sameNameB.pushes.some((m) => text(m) === from B)', () =>
      sameNameB.pushes.some((m) => text(m) === 'from B'),
    );
    expect((await sameNameB.syncAll(0)).map(text)).toEqual(['from B']);
    expect((await b('revoke_user_tokens', { userId: 'shared-name' })).body).toMatchObject({
      kickedDevices: 1,
    });
    expect((await sameNameB.closed).code).toBe(ErrorCode.ERROR_CODE_TOKEN_REVOKED);
    // A's connection heard none of it, kept its tag and is still signed in.
    const probe = await a('push_to_tags', {
      expression: { allOf: ['vip'] },
      contentType: 't',
      content: b64('A probe'),
    });
    expect(probe.body).toMatchObject({ delivered: 1 });
    await waitFor('aliceA.pushes.some((m) => text(m) === A probe)', () =>
      aliceA.pushes.some((m) => text(m) === 'A probe'),
    );
    expect(aliceA.pushes.filter((m) => text(m).startsWith('from B'))).toEqual([]);
    expect(await aliceA.syncAll(0)).toEqual([]);

    // A's token does not sign in to B's app by naming it.
    const { connect } = await import('./clients.js');
    const cross = await connect(gate(0));
    clients.push(cross);
    await expect(
      cross.signIn({
        token: await t().apps.a.token('shared-name', 'phone2'),
        appId: t().apps.b.appId,
        deviceId: 'phone2',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_TOKEN_INVALID });
  });
}
