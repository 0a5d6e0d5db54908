import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectorFor,
  createClient,
  ErrorCode,
  MemoryStorage,
  SwitchboardError,
  type ClientState,
  type Connector,
  type Message,
  type Switchboard,
  type SwitchboardOptions,
  type Transport,
} from '@switchboard/client/node';
import { createLogger, memoryDestination } from '@switchboard/log';
import { PacketType } from '@switchboard/proto/client-web';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken, waitFor } from '@switchboard/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from './business-api-scenarios.js';
import { embeddedTestConfig } from './embedded-config.js';

const LARGE_GROUP_MIN_MEMBERS = 3;
const text = (m: Message) => new TextDecoder().decode(m.content);

/** A connector that remembers its transports, so that a test can cut them or drop what they receive. */
function controllable(url: string) {
  const open = new Set<Transport>();
  let dropPush: ((m: { type: number; requestId: number }) => boolean) | undefined;
  const inner = connectorFor(url);
  const connect: Connector = async () => {
    const t = await inner();
    open.add(t);
    // Wrap the handler the Connection installs, to drop chosen pushes as a lossy network would.
    let handler = t.onPacket;
    Object.defineProperty(t, 'onPacket', {
      get: () => (p: Parameters<Transport['onPacket']>[0]) => {
        if (dropPush?.(p)) return;
        handler(p);
      },
      set: (h: Transport['onPacket']) => (handler = h),
    });
    const onClose = t.onClose;
    let closeHandler = onClose;
    Object.defineProperty(t, 'onClose', {
      get: () => (code: number | undefined) => {
        open.delete(t);
        closeHandler(code);
      },
      set: (h: Transport['onClose']) => (closeHandler = h),
    });
    return t;
  };
  return {
    connect,
    /** Cuts every connection, as a network failure or a killed gateway does (no close code). */
    cutAll: () => {
      for (const t of open) t.close();
    },
    drop: (f: typeof dropPush) => (dropPush = f),
  };
}

describe('@switchboard/client SDK against the embedded suite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-sdk-'));
  const logs = memoryDestination();
  let suite: Suite;
  let appId = '';
  let secret = '';
  let apiKey = '';
  const clients: Switchboard[] = [];
  const run = randomBytes(3).toString('hex');
  const user = (name: string) => `${name}-${run}`;

  beforeAll(async () => {
    const config = embeddedTestConfig(dataDir, { logic: { largeGroupMinMembers: LARGE_GROUP_MIN_MEMBERS } });
    suite = await startSuite(config, createLogger({ level: 'info', service: 'e2e', destination: logs }));
    appId = `sdk-${run}`;
    secret = randomBytes(32).toString('base64url');
    await suite.storage.apps.create({ appId, name: appId, tokenSecret: secret });
    apiKey = (await suite.storage.apiKeys.create({ appId, name: 'test' })).key;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const token = (userId: string, expiresIn = '1h') => testToken(appId, userId, secret, expiresIn);
  /** A token whose `exp` passed a minute ago. */
  const expiredToken = (userId: string) =>
    new SignJWT({ app_id: appId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));

  /** A started client that records its messages and states. */
  async function client(
    userId: string,
    options: Partial<SwitchboardOptions> & { via?: 'tcp' | 'ws' } = {},
  ): Promise<{ sb: Switchboard; messages: Message[]; states: ClientState[] }> {
    const url = options.via === 'tcp' ? suite.tcpUrl : suite.wsUrl;
    const sb = createClient({
      url,
      token: () => token(userId),
      deviceId: 'd1',
      backoff: { baseMs: 20, maxMs: 200 },
      gapGraceMs: 50,
      groupGapGraceMs: 50,
      ...options,
    });
    clients.push(sb);
    const messages: Message[] = [];
    const states: ClientState[] = [];
    sb.on('message', (m) => messages.push(m));
    sb.on('state', (s) => states.push(s));
    await sb.start();
    return { sb, messages, states };
  }

  it('sends 1:1 over WebSocket and receives over TCP, with the sender told the stored message', async () => {
    const alice = await client(user('alice'));
    const bob = await client(user('bob'), { via: 'tcp' });
    const sent = await alice.sb.send({ user: user('bob') }, 'hi bob');
    expect(sent).toMatchObject({
      seq: 1,
      conversationSeq: 1,
      sender: { userId: user('alice'), deviceId: 'd1' },
    });
    await waitFor('the condition', () => bob.messages.length === 1);
    expect(text(bob.messages[0]!)).toBe('hi bob');
    expect(bob.messages[0]!.conversation).toEqual({ type: 1, id: user('alice') });
    expect(alice.states).toEqual(['connecting', 'syncing', 'online']);
    expect(alice.messages.map(text)).toEqual(['hi bob']); // its own send joins its inbox once

    const receipts: number[] = [];
    alice.sb.on('receipt', (r) => receipts.push(r.readSeq));
    await bob.sb.markRead({ user: user('alice') }, sent.conversationSeq);
    await waitFor('the condition', () => receipts.length === 1);
    expect(receipts).toEqual([1]);
  });

  it('loses and doubles nothing when both sides reconnect in the middle of a burst', async () => {
    const senderNet = controllable(suite.wsUrl);
    const receiverNet = controllable(suite.tcpUrl);
    const alice = await client(user('carol'), { url: senderNet.connect });
    const bob = await client(user('dave'), { url: receiverNet.connect });
    const sends: Array<Promise<Message>> = [];
    for (let i = 0; i < 60; i++) {
      sends.push(alice.sb.send({ user: user('dave') }, `m${i}`, { clientMsgId: `burst-${run}-${i}` }));
      if (i === 20) receiverNet.cutAll();
      if (i === 35) senderNet.cutAll();
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    const stored = await Promise.all(sends);
    expect(new Set(stored.map((m) => m.messageId)).size).toBe(60);
    await waitFor('the condition', () => bob.messages.length >= 60, 20_000);
    await new Promise((r) => setTimeout(r, 200)); // anything doubled would have arrived by now
    expect(bob.messages.map(text).sort()).toEqual(stored.map(text).sort());
    expect(bob.messages.map((m) => m.seq)).toEqual(bob.messages.map((_, i) => i + 1));
    expect(bob.sb.connects).toBeGreaterThanOrEqual(2);
    expect(alice.sb.connects).toBeGreaterThanOrEqual(2);
    expect(bob.states).toContain('reconnecting');
  }, 30_000);

  it('repairs a gap: a lost push is fetched by sync after the grace', async () => {
    const net = controllable(suite.wsUrl);
    const alice = await client(user('erin'));
    const bob = await client(user('frank'), { url: net.connect });
    let pushes = 0;
    // MESSAGE pushes are packet type 4: drop the second one.
    net.drop((p) => p.type === PacketType.PACKET_TYPE_MESSAGE && p.requestId === 0 && ++pushes === 2);
    for (const t of ['one', 'two', 'three']) await alice.sb.send({ user: user('frank') }, t);
    await waitFor('the condition', () => bob.messages.length === 3);
    expect(bob.messages.map(text)).toEqual(['one', 'two', 'three']);
    expect(pushes).toBe(3);
  });

  it('keeps its place across restarts through the storage port', async () => {
    const storage = new MemoryStorage();
    const alice = await client(user('gina'));
    const first = await client(user('hal'), { storage });
    await alice.sb.send({ user: user('hal') }, 'before');
    await waitFor('the condition', () => first.messages.length === 1);
    await first.sb.close();
    await alice.sb.send({ user: user('hal') }, 'while away');
    const second = await client(user('hal'), { storage });
    await waitFor('the condition', () => second.messages.length === 1);
    expect(second.messages.map(text)).toEqual(['while away']);
    expect(second.sb.lastSeq).toBe(2);
    expect((await second.sb.recent({ user: user('gina') })).map(text)).toEqual(['before', 'while away']);
  });

  it('gets a new token when the server refuses an expired one, and refreshes one about to expire', async () => {
    const userId = user('ivy');
    const issued: string[] = [];
    const net = controllable(suite.wsUrl);
    // The first token expired a minute ago: the server closes with TOKEN_EXPIRED (reauthenticate).
    const ivy = await client(userId, {
      url: net.connect,
      tokenRefreshMarginMs: -Infinity,
      token: async () => {
        const t = issued.length === 0 ? await expiredToken(userId) : await token(userId, '30s');
        issued.push(t);
        return t;
      },
    });
    expect(issued).toHaveLength(2);
    expect(ivy.sb.state).toBe('online');

    // One expiring within the margin is replaced before the next sign-in.
    const refreshed: string[] = [];
    const net2 = controllable(suite.wsUrl);
    const jay = await client(user('jay'), {
      url: net2.connect,
      tokenRefreshMarginMs: 60_000,
      token: async () => {
        refreshed.push('t');
        return token(user('jay'), '30s');
      },
    });
    net2.cutAll();
    await waitFor('the condition', () => jay.sb.connects === 2);
    expect(refreshed).toHaveLength(2);
  });

  it("keeps retrying while the token provider throws, and says why in the 'reconnecting' state", async () => {
    const userId = user('lee');
    let calls = 0;
    const reasons: Array<[ClientState, string | undefined]> = [];
    const sb = createClient({
      url: suite.wsUrl,
      deviceId: 'd1',
      backoff: { baseMs: 20, maxMs: 200 },
      token: async () => {
        if (++calls <= 2) throw new Error('token backend down');
        return token(userId);
      },
    });
    clients.push(sb);
    sb.on('state', (state, reason) => reasons.push([state, reason?.message]));
    await sb.start();
    expect(calls).toBe(3);
    expect(reasons).toEqual([
      ['connecting', undefined],
      // A state is emitted when it changes: one 'reconnecting' for both failed attempts.
      ['reconnecting', 'token backend down'],
      ['syncing', undefined],
      ['online', undefined],
    ]);
  });

  it('gives up on a close code whose action is give_up or reauthenticate with a fixed token', async () => {
    const bad = createClient({ url: suite.wsUrl, token: 'not-a-jwt', deviceId: 'd1' });
    clients.push(bad);
    const err = await bad.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchboardError);
    expect((err as SwitchboardError).code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(bad.state).toBe('closed');
    await expect(bad.send({ user: 'x' }, 'y')).rejects.toBeInstanceOf(SwitchboardError);

    // The same device signing in elsewhere: the older one is KICKED and must not reconnect.
    const first = await client(user('kim'));
    const kicked: Array<number | undefined> = [];
    first.sb.on('kicked', (r) => kicked.push(r.code));
    await client(user('kim'));
    await waitFor('the condition', () => first.sb.state === 'closed');
    expect(kicked).toEqual([ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE]);
    expect(first.sb.closedWith?.code).toBe(ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE);
  });

  it('catches up with a large group after being offline, reads receipts, history, rooms and the conversation list', async () => {
    const api = (method: string, body: unknown) => post(suite.api.http, apiKey, method, body);
    const [owner, m1, m2] = [user('lea'), user('max'), user('ned')];
    const groupId = `g-${run}`;
    expect(
      (await api('create_group', { groupId, name: 'G', ownerUserId: owner, memberUserIds: [m1, m2] })).status,
    ).toBe(200);
    const lea = await client(owner);
    const max = await client(m1, { via: 'tcp' });
    await waitFor('the condition', () =>
      max.messages.some((m) => m.contentType === 'switchboard/group-created'),
    );
    await max.sb.close();
    for (let i = 0; i < 5; i++) await lea.sb.send({ group: groupId }, `g${i}`);
    const max2 = await client(m1, { via: 'tcp' }); // memory storage: a new device's view
    await waitFor('the condition', () => max2.messages.filter((m) => m.contentType === 'text').length === 5);
    const groupTexts = max2.messages.filter((m) => m.contentType === 'text').map(text);
    expect(groupTexts).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
    const last = max2.messages.at(-1)!;

    await max2.sb.markRead({ group: groupId }, last.conversationSeq);
    const page = await max2.sb.history({ group: groupId }, { limit: 2 });
    expect(page.messages.map(text)).toEqual(['g4', 'g3']);
    const list = await max2.sb.conversations();
    expect(list.conversations.find((c) => c.conversation?.id === groupId)).toMatchObject({ unreadCount: 0 });

    await lea.sb.subscribe(`room-${run}`);
    const room = await api('send_message', {
      targetType: 'TARGET_TYPE_ROOM',
      targetId: `room-${run}`,
      contentType: 'text',
      content: Buffer.from('live').toString('base64'),
    });
    expect(room.status).toBe(200);
    await waitFor('the condition', () =>
      lea.messages.some((m) => m.conversation?.type === 3 && text(m) === 'live'),
    );
  }, 30_000);
});
