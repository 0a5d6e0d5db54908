import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { createLogger } from '@switchboard/log';
import {
  ConversationType,
  ErrorCode,
  Message,
  Packet,
  PacketType,
  type SendRequest,
} from '@switchboard/proto/client';
import {
  LogicServiceClient,
  type SendBatchResponse,
  type Session,
  type SignInBatchResponse,
} from '@switchboard/proto/logic';
import { call, internalClientOptions, INTERNAL_LIMITS, RpcError } from '@switchboard/rpc';
import { createStorage, type Storage } from '@switchboard/storage';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogicRoutePort, UserPacket } from './route-port.js';
import { startLogic, type RunningLogic } from './server.js';
import { StubLogicRoutePort } from './stub-route-port.js';

/** Records what logic asks route to do. */
class RecordingRoute extends StubLogicRoutePort {
  binds: Array<Parameters<LogicRoutePort['bind']>[0]> = [];
  pushes: Array<{ appId: string; packets: UserPacket[] }> = [];
  /** Calls that failed (route unreachable), in order. */
  failed: Array<{ appId: string; packets: UserPacket[] }> = [];
  /** How many of the next DeliverToUsers calls fail as if route were unreachable. */
  failNext = 0;
  /** Users the next successful DeliverToUsers reports as on a gate route could not reach. */
  unreachNext: string[] = [];
  private epoch = 0;
  override async bind(input: Parameters<LogicRoutePort['bind']>[0]) {
    this.binds.push(input);
    return { epoch: ++this.epoch };
  }
  override async deliverToUsers(appId: string, packets: UserPacket[]) {
    if (this.failNext > 0) {
      this.failNext--;
      this.failed.push({ appId, packets });
      throw new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'route unreachable');
    }
    this.pushes.push({ appId, packets });
    const unreachedUserIds = this.unreachNext;
    this.unreachNext = [];
    return {
      delivered: packets.length,
      failedGates: unreachedUserIds.length > 0 ? 1 : 0,
      unreachedUserIds,
      offlineUserIds: [],
    };
  }
}

const SECRET = 'test-secret-of-app-a';

function token(claims: Record<string, unknown>, opts: { secret?: string; exp?: number } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

describe('logic service over gRPC (SQLite storage, recording route)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-logic-'));
  let storage: Storage;
  let logic: RunningLogic;
  let client: LogicServiceClient;
  let secret: string;
  const route = new RecordingRoute();
  const rpc = <Req, Res>(method: unknown, req: Req) =>
    call<Req, Res>(client, method as never, req, new Metadata(), 5_000);
  const alice: Session = { appId: 'a', userId: 'alice', deviceId: 'phone', gateId: 'g', connId: 1, epoch: 1 };

  beforeAll(async () => {
    storage = await createStorage({ dialect: 'sqlite', file: join(dir, 'db.sqlite') });
    await storage.migrate();
    await storage.apps.create({ appId: 'a', name: 'A', tokenSecret: SECRET });
    await storage.apps.create({ appId: 'b', name: 'B', tokenSecret: 'other-secret' });
    const config = loadConfig({
      profile: 'embedded',
      overrides: { logic: { grpcPort: 0, httpPort: 0, api: { httpPort: 0, grpcPort: 0 } } },
    });
    logic = await startLogic({
      config,
      logger: createLogger({ level: 'silent', service: 't' }),
      storage,
      route,
    });
    secret = config.internal.secret;
    client = new LogicServiceClient(
      `127.0.0.1:${logic.grpcPort}`,
      credentials.createInsecure(),
      internalClientOptions(secret),
    );
  });
  afterAll(async () => {
    client.close();
    await logic.stop();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (t: string, deviceId = 'phone') =>
    rpc<
      unknown,
      { epoch: number; appId: string; response: { userId: string; deviceId: string; maxSeq: number } }
    >(client.signIn, {
      request: { appId: '', userId: '', deviceId, token: t, platform: 'ios', tags: [] },
      gateId: 'g',
      connId: 7,
    });
  /** The error a unary call fails with, in the form a batch reply carries it. */
  const unaryOutcome = (method: unknown, request: unknown) =>
    rpc(method, request).then(
      () => expect.fail('the call succeeded'),
      (e: RpcError) => ({ code: e.code, message: e.message, field: e.field ?? '' }),
    );
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 0,
      (e: unknown) => (e as RpcError).code,
    );

  it('signs in with a valid token and binds the device at route', async () => {
    const res = await signIn(await token({ app_id: 'a', sub: 'alice' }));
    expect(res.appId).toBe('a');
    expect(res.response).toMatchObject({ userId: 'alice', deviceId: 'phone', maxSeq: 0 });
    expect(route.binds.at(-1)).toMatchObject({
      appId: 'a',
      userId: 'alice',
      deviceId: 'phone',
      gateId: 'g',
      connId: 7,
    });
  });

  it('rejects forged, expired, foreign and mismatched tokens with distinct codes', async () => {
    expect(await codeOf(signIn(await token({ app_id: 'a', sub: 'alice' }, { secret: 'forged' })))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    expect(await codeOf(signIn(await token({ app_id: 'a', sub: 'alice' }, { exp: 1_000 })))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_EXPIRED,
    );
    expect(await codeOf(signIn(await token({ app_id: 'nope', sub: 'alice' })))).toBe(
      ErrorCode.ERROR_CODE_APP_NOT_FOUND,
    );
    // App B's token signed with app A's secret must not pass for app B.
    expect(await codeOf(signIn(await token({ app_id: 'b', sub: 'alice' })))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    expect(
      await codeOf(signIn(await token({ app_id: 'a', sub: 'alice', device_id: 'tablet' }), 'phone')),
    ).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await codeOf(signIn('not.a.jwt'))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await codeOf(signIn(''))).toBe(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
  });

  it("gives a connection the token's tags, and refuses client-declared or malformed ones", async () => {
    const withTags = (t: string, tags: string[]) =>
      rpc<unknown, { tags: string[] }>(client.signIn, {
        request: { appId: '', userId: '', deviceId: 'tagged', token: t, platform: 'ios', tags },
        gateId: 'g',
        gateBootId: 'boot',
        connId: 9,
      });
    const granted = await withTags(await token({ app_id: 'a', sub: 'alice', tags: ['vip', 'v2'] }), []);
    expect(granted.tags).toEqual(['vip', 'v2']);
    // A client cannot grant itself a tag (and with it the tag pushes it would receive).
    expect(await codeOf(withTags(await token({ app_id: 'a', sub: 'alice' }), ['admin']))).toBe(
      ErrorCode.ERROR_CODE_PERMISSION_DENIED,
    );
    // A huge tag list (the attack: 9,243 tags in one sign-in) is refused, not stored on the gate.
    const many = Array.from({ length: 9_243 }, (_, i) => `t${i}`);
    expect(await codeOf(withTags(await token({ app_id: 'a', sub: 'alice', tags: many }), []))).toBe(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    );
    for (const tags of ['vip', [1, 2], [{}]]) {
      expect(await codeOf(withTags(await token({ app_id: 'a', sub: 'alice', tags }), []))).toBe(
        ErrorCode.ERROR_CODE_TOKEN_INVALID,
      );
    }
  });

  it('checks every id once: bad subs are TOKEN_INVALID, bad peers INVALID_CONVERSATION, never INTERNAL', async () => {
    for (const sub of [42, ['alice'], '', 'x'.repeat(65), 'a\u0000b', 'mallory\ud800', 'mallory\udbff']) {
      // jose refuses to sign a non-string sub, so such a claim goes in as a plain claim.
      const t = await new SignJWT({ app_id: 'a', sub } as never)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
        .sign(new TextEncoder().encode(SECRET));
      expect(await codeOf(signIn(t)), JSON.stringify(sub)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    }
    expect(await codeOf(signIn(await token({ app_id: 'x'.repeat(65), sub: 'alice' })))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    const history = (id: string) =>
      rpc(client.history, {
        session: alice,
        request: {
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id },
          beforeSeq: 0,
          limit: 10,
        },
      });
    expect(await codeOf(history('p'.repeat(65)))).toBe(ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    expect(await codeOf(history('bob\u0007'))).toBe(ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    expect(
      await codeOf(
        send(alice, {
          clientMsgId: 'ids1',
          // (A lone surrogate cannot arrive here: protobuf strings are UTF-8 on the wire.)
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'bob\u001b[31m' },
        }),
      ),
    ).toBe(ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    expect(await codeOf(send(alice, { clientMsgId: 'line\nbreak' }))).toBe(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    );
    expect(await codeOf(rpc(client.subscribeRoom, { session: alice, roomId: 'r'.repeat(129) }))).toBe(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    );
  });

  it('refuses a client SUBSCRIBE_ROOM to a room of the reserved sb: prefix', async () => {
    const err = await rpc(client.subscribeRoom, { session: alice, roomId: 'sb:group:1' }).catch(
      (e: unknown) => e as RpcError,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    expect((err as RpcError).message).toContain('reserved');
    expect(await rpc(client.subscribeRoom, { session: alice, roomId: 'sb-not-reserved' })).toEqual({});
  });

  it('keeps at most logic.devices.maxPerUser devices per user, forgetting the one signed in longest ago', async () => {
    const t = await token({ app_id: 'a', sub: 'many-devices' });
    for (let i = 0; i < 32; i++) await signIn(t, `d${i}`);
    expect(await storage.devices.listByUser('a', 'many-devices')).toHaveLength(32);
    await new Promise((r) => setTimeout(r, 5)); // sign-in times are in ms: make d0 plainly the newest
    await signIn(t, 'd0'); // a device the user has signs in as always, and is now the newest
    await signIn(t, 'new');
    const ids = (await storage.devices.listByUser('a', 'many-devices')).map((d) => d.deviceId);
    expect(ids).toHaveLength(32);
    expect(ids).toContain('new');
    expect(ids).toContain('d0');
    expect(ids).not.toContain('d1');
  });

  const send = (session: Session, req: Partial<SendRequest>) =>
    rpc<unknown, { response: { messageId: number; seq: number; conversationSeq: number } }>(client.send, {
      session,
      request: {
        clientMsgId: 'm1',
        conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'bob' },
        contentType: 'text',
        content: Buffer.from('hi bob'),
        ...req,
      },
    });

  it('persists a send, answers with the sender seq, and pushes each user its own seq', async () => {
    route.pushes.length = 0;
    const res = await send(alice, {});
    expect(res.response).toMatchObject({ seq: 1, conversationSeq: 1 });
    // Bob's and Alice's packets may go in different calls (users are spread over call slots).
    await expect.poll(() => route.pushes.flatMap((p) => p.packets).length).toBe(2);
    const packets = route.pushes.flatMap((p) => p.packets);
    const toBob = packets.find((p) => p.userIds[0] === 'bob');
    const toAlice = packets.find((p) => p.userIds[0] === 'alice');
    expect(toBob!.userIds).toEqual(['bob']);
    expect(toAlice!.exclude).toEqual({ userId: 'alice', deviceId: 'phone' });
    const bobMsg = Message.decode(Packet.decode(toBob!.packet).data);
    expect(Packet.decode(toBob!.packet).type).toBe(PacketType.PACKET_TYPE_MESSAGE);
    expect(bobMsg).toMatchObject({
      seq: 1,
      conversation: { id: 'alice' },
      sender: { userId: 'alice', deviceId: 'phone' },
    });
    expect(Buffer.from(bobMsg.content).toString()).toBe('hi bob');
    const aliceMsg = Message.decode(Packet.decode(toAlice!.packet).data);
    expect(aliceMsg).toMatchObject({ seq: 1, conversation: { id: 'bob' }, clientMsgId: 'm1' });
  });

  /** The types of the packets pushed to `user` so far. */
  const pushedTo = (user: string) =>
    route.pushes
      .flatMap((p) => p.packets)
      .filter((p) => p.userIds.includes(user))
      .map((p) => PacketType[Packet.decode(p.packet).type]);

  it('retries a push that route failed, so the receiver still gets the message pushed', async () => {
    route.pushes.length = 0;
    route.failNext = 2;
    await send(alice, {
      clientMsgId: 'r1',
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'rita' },
    });
    await expect.poll(() => pushedTo('rita'), { timeout: 5_000 }).toEqual(['PACKET_TYPE_MESSAGE']);
    expect(route.failed).toHaveLength(2);
  });

  it('tells the receivers to sync when a push is given up, instead of leaving them waiting', async () => {
    route.pushes.length = 0;
    route.failed.length = 0;
    // Sam's and Alice's packets go in calls of two slots: the first attempt and all three retries
    // of each fail.
    route.failNext = 8;
    await send(alice, {
      clientMsgId: 'r2',
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'sam' },
    });
    await expect.poll(() => pushedTo('sam'), { timeout: 10_000 }).toEqual(['PACKET_TYPE_SYNC_HINT']);
    expect(route.failed).toHaveLength(8);
    // The sender's other devices had the same push lost: they are told too.
    expect(pushedTo('alice')).toEqual(['PACKET_TYPE_SYNC_HINT']);
    const metrics = await (await fetch(`http://127.0.0.1:${logic.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_logic_push_failures_total 2/);
    expect(metrics).toMatch(/switchboard_logic_push_retries_total [3-9]/);
    expect(metrics).toMatch(/switchboard_logic_sync_nudges_total [2-9]/);
  });

  it('tells users on a gate route could not reach to sync', async () => {
    route.pushes.length = 0;
    route.unreachNext = ['tina'];
    await send(alice, {
      clientMsgId: 'r3',
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'tina' },
    });
    await expect
      .poll(() => pushedTo('tina'), { timeout: 5_000 })
      .toEqual(['PACKET_TYPE_MESSAGE', 'PACKET_TYPE_SYNC_HINT']);
  });

  it('answers a retried send with the first result and pushes nothing again', async () => {
    route.pushes.length = 0;
    const again = await send(alice, {});
    expect(again.response).toMatchObject({ seq: 1, conversationSeq: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(route.pushes).toHaveLength(0);
  });

  it('pushes the sends of one group-commit batch with one route call', async () => {
    route.pushes.length = 0;
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    await Promise.all(
      ids.map((clientMsgId) =>
        send(alice, {
          clientMsgId,
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'carol' },
        }),
      ),
    );
    await expect.poll(() => route.pushes.reduce((n, p) => n + p.packets.length, 0)).toBe(10);
    expect(route.pushes.length).toBeLessThan(ids.length);
    const toCarol = route.pushes.flatMap((p) => p.packets).filter((p) => p.userIds[0] === 'carol');
    expect(toCarol.map((p) => Message.decode(Packet.decode(p.packet).data).clientMsgId).sort()).toEqual(ids);
  });

  it('rejects bad sends with stable codes', async () => {
    expect(await codeOf(send(alice, { clientMsgId: '' }))).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    expect(await codeOf(send(alice, { conversation: undefined }))).toBe(
      ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
    );
    expect(
      await codeOf(
        send(alice, {
          clientMsgId: 'g',
          conversation: { type: ConversationType.CONVERSATION_TYPE_GROUP, id: 'x' },
        }),
      ),
    ).toBe(ErrorCode.ERROR_CODE_GROUP_NOT_FOUND);
    expect(
      await codeOf(
        send(alice, {
          clientMsgId: 'u',
          conversation: { type: ConversationType.CONVERSATION_TYPE_UNSPECIFIED, id: 'x' },
        }),
      ),
    ).toBe(ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    expect(await codeOf(send(alice, { clientMsgId: 'big', content: Buffer.alloc(60_001) }))).toBe(
      ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE,
    );
    expect(await codeOf(send({ ...alice, userId: '' }, { clientMsgId: 'anon' }))).toBe(
      ErrorCode.ERROR_CODE_NOT_SIGNED_IN,
    );
  });

  it('syncs the inbox in seq order, pages with has_more, and keeps tenants apart', async () => {
    const bob: Session = { ...alice, userId: 'bob', deviceId: 'laptop' };
    await send(bob, {
      clientMsgId: 'b1',
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'alice' },
    });
    await send(alice, { clientMsgId: 'm2' });
    const page1 = await rpc<unknown, { response: { messages: Message[]; hasMore: boolean; maxSeq: number } }>(
      client.sync,
      {
        session: bob,
        request: { afterSeq: 0, limit: 2 },
      },
    );
    expect(page1.response.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(page1.response.hasMore).toBe(true);
    expect(page1.response.maxSeq).toBe(3);
    const page2 = await rpc<unknown, { response: { messages: Message[]; hasMore: boolean } }>(client.sync, {
      session: bob,
      request: { afterSeq: 2, limit: 2 },
    });
    expect(page2.response.messages.map((m) => [m.seq, m.clientMsgId])).toEqual([[3, 'm2']]);
    expect(page2.response.hasMore).toBe(false);
    const foreign = await rpc<unknown, { response: { messages: Message[] } }>(client.sync, {
      session: { ...bob, appId: 'b' },
      request: { afterSeq: 0, limit: 10 },
    });
    expect(foreign.response.messages).toEqual([]);
  });

  describe('internal authentication (issue 7)', () => {
    /** A caller on the network: no credential, or a guessed one. */
    const outsider = (credential?: string) =>
      new LogicServiceClient(
        `127.0.0.1:${logic.grpcPort}`,
        credentials.createInsecure(),
        credential === undefined ? {} : internalClientOptions(credential),
      );
    const forgedSend = (c: LogicServiceClient) =>
      call(
        c,
        c.send,
        {
          session: { ...alice, appId: 'b' },
          request: {
            clientMsgId: 'forged',
            conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'bob' },
            contentType: 'text',
            content: Buffer.from('sent as someone else'),
          },
        } as never,
        new Metadata(),
        5_000,
      );
    const foreignSync = (c: LogicServiceClient) =>
      call(
        c,
        c.sync,
        { session: { ...alice, appId: 'b' }, request: { afterSeq: 0, limit: 10 } } as never,
        new Metadata(),
        5_000,
      );
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: RpcError) => ({ code: e.code, message: e.message }),
      );
    const refused = { code: ErrorCode.ERROR_CODE_UNAUTHENTICATED, message: 'unauthenticated' };

    it('refuses Send and Sync from a caller without the internal secret', async () => {
      const c = outsider();
      try {
        expect(await refusal(forgedSend(c))).toEqual(refused);
        expect(await refusal(foreignSync(c))).toEqual(refused);
      } finally {
        c.close();
      }
    });

    it('refuses Send and Sync with a wrong internal secret', async () => {
      const c = outsider(`${secret.slice(0, -1)}x`);
      try {
        expect(await refusal(forgedSend(c))).toEqual(refused);
        expect(await refusal(foreignSync(c))).toEqual(refused);
      } finally {
        c.close();
      }
    });

    it('accepts Sync with the internal secret', async () => {
      const c = outsider(secret);
      try {
        expect(await foreignSync(c)).toMatchObject({ response: { messages: [] } });
      } finally {
        c.close();
      }
    });
  });

  it('counts sends, duplicates and sign-in failures on /metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${logic.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_logic_sends_total [1-9]/);
    expect(metrics).toMatch(/switchboard_logic_duplicate_sends_total [1-9]/);
    expect(metrics).toMatch(/switchboard_logic_sign_in_failures_total [1-9]/);
    expect((await fetch(`http://127.0.0.1:${logic.httpPort}/healthz`)).status).toBe(200);
  });

  it('acks forward only and pages history newest first', async () => {
    const ack = (seq: number) =>
      rpc<unknown, { ackedSeq: number }>(client.ack, { session: alice, request: { seq } });
    expect((await ack(2)).ackedSeq).toBe(2);
    expect((await ack(1)).ackedSeq).toBe(2);
    const h = await rpc<unknown, { response: { messages: Message[]; hasMore: boolean } }>(client.history, {
      session: alice,
      request: {
        conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'bob' },
        beforeSeq: 0,
        limit: 2,
      },
    });
    expect(h.response.messages.map((m) => m.conversationSeq)).toEqual([3, 2]);
    expect(h.response.hasMore).toBe(true);
  });

  it('answers each send of a SendBatch as Send would have answered it, in order', async () => {
    route.pushes.length = 0;
    const toDave = { type: ConversationType.CONVERSATION_TYPE_USER, id: 'dave' };
    const request = (clientMsgId: string, extra: Partial<SendRequest> = {}) => ({
      clientMsgId,
      conversation: toDave,
      contentType: 'text',
      content: Buffer.from('hi dave'),
      ...extra,
    });
    const anonymous = { ...alice, userId: '' };
    const sends = [
      { session: alice, request: request('b1') },
      { session: alice, request: request('') },
      { session: anonymous, request: request('b-anon') },
      { session: alice, request: request('b2') },
      { session: alice, request: request('b1') },
      { session: alice, request: request('b-big', { content: Buffer.alloc(60_001) }) },
    ];
    const { results } = await rpc<unknown, SendBatchResponse>(client.sendBatch, { sends });
    expect(results).toHaveLength(sends.length);
    const [first, empty, anon, second, retried, big] = results;
    expect(first!.response!.response).toMatchObject({ seq: expect.any(Number), conversationSeq: 1 });
    expect(second!.response!.response).toMatchObject({ conversationSeq: 2 });
    // The retry is answered with the first result, as a retried Send is.
    expect(retried!.response).toEqual(first!.response);
    // Each failure carries the code, message and field the unary Send answers for the same request.
    const unaryError = (i: number) => unaryOutcome(client.send, sends[i]);
    expect(empty!.error).toEqual(await unaryError(1));
    expect(empty!.error!.code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    expect(anon!.error).toEqual(await unaryError(2));
    expect(anon!.error!.code).toBe(ErrorCode.ERROR_CODE_NOT_SIGNED_IN);
    expect(big!.error).toEqual(await unaryError(5));
    expect(big!.error!.code).toBe(ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE);
    await expect.poll(() => pushedTo('dave')).toEqual(['PACKET_TYPE_MESSAGE', 'PACKET_TYPE_MESSAGE']);
    const metrics = await (await fetch(`http://127.0.0.1:${logic.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_logic_send_rpc_batches_total 1\b/);
    expect(metrics).toMatch(/switchboard_logic_send_rpc_batch_sends_total 6\b/);
  });

  it('refuses a SendBatch of more sends than it may carry, as a whole', async () => {
    const sends = Array.from({ length: INTERNAL_LIMITS.sendsPerBatch + 1 }, () => ({ session: alice }));
    const err = await rpc(client.sendBatch, { sends }).then(
      () => expect.fail('the batch was taken'),
      (e: RpcError) => e,
    );
    expect(err.code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
  });

  it('answers each sign-in of a SignInBatch as SignIn would have answered it, in order', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${logic.httpPort}/metrics`)).text();
      return Number(new RegExp(`^switchboard_logic_${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    };
    const signInsBefore = await metric('sign_ins_total');
    const failuresBefore = await metric('sign_in_failures_total');
    const signInOf = (t: string, connId: number) => ({
      request: { appId: '', userId: '', deviceId: `batch-${connId}`, token: t, platform: 'ios', tags: [] },
      gateId: 'g',
      connId,
    });
    const signIns = [
      signInOf(await token({ app_id: 'a', sub: 'gina' }), 21),
      signInOf(await token({ app_id: 'a', sub: 'gina' }, { secret: 'forged' }), 22),
      signInOf(await token({ app_id: 'a', sub: 'erin' }), 23),
      signInOf('', 24),
    ];
    const { results } = await rpc<unknown, SignInBatchResponse>(client.signInBatch, { signIns });
    expect(results).toHaveLength(signIns.length);
    const [gina, forged, erin, empty] = results;
    expect(gina!.response).toMatchObject({
      appId: 'a',
      response: { userId: 'gina', deviceId: 'batch-21' },
    });
    expect(erin!.response).toMatchObject({ appId: 'a', response: { userId: 'erin', deviceId: 'batch-23' } });
    const bound = route.binds.filter((b) => b.connId >= 21 && b.connId <= 24).map((b) => b.connId);
    expect(bound.sort()).toEqual([21, 23]);
    // Each failure carries the code, message and field the unary SignIn answers for the same request.
    const unaryError = (i: number) => unaryOutcome(client.signIn, signIns[i]);
    expect(forged!.error).toEqual(await unaryError(1));
    expect(forged!.error!.code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(empty!.error).toEqual(await unaryError(3));
    expect(empty!.error!.code).toBe(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
    expect(await metric('sign_in_rpc_batches_total')).toBe(1);
    expect(await metric('sign_in_rpc_batch_sign_ins_total')).toBe(4);
    expect(await metric('sign_ins_total')).toBe(signInsBefore + 2);
    // Two failures in the batch and the same two again as unary calls.
    expect(await metric('sign_in_failures_total')).toBe(failuresBefore + 4);
  });

  it('refuses a SignInBatch of more sign-ins than it may carry, as a whole', async () => {
    const one = {
      request: { appId: '', userId: '', deviceId: 'd', token: '', platform: '', tags: [] },
      gateId: 'g',
      connId: 1,
      remoteAddress: '',
      gateBootId: '',
    };
    const signIns = Array.from({ length: INTERNAL_LIMITS.signInsPerBatch + 1 }, () => one);
    const err = await rpc(client.signInBatch, { signIns }).then(
      () => expect.fail('the batch was taken'),
      (e: RpcError) => e,
    );
    expect(err.code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
  });
});
