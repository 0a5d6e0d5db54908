import { randomUUID } from 'node:crypto';
import { credentials, Metadata } from '@grpc/grpc-js';
import { createLogger } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import {
  GateServiceService,
  type CountRequest,
  type DeliverRequest,
  type KickRequest,
  type PushRoomRequest,
  type PushTagsRequest,
  type SetRoomRequest,
  type SetTagsRequest,
} from '@switchboard/proto/conn';
import { RouteServiceClient } from '@switchboard/proto/route';
import { MemoryRouteStore, RedisRouteStore, type RouteStore } from '@switchboard/route-store';
import {
  call,
  internalClientOptions,
  INTERNAL_LIMITS,
  RpcError,
  startGrpcServer,
  unary,
} from '@switchboard/rpc';
import { loadConfig } from '@switchboard/config';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startRoute, type RunningRoute } from './server.js';

/** A DeliverToUsers packet's fields for a plain packet (no message with per-user seqs). */
const PLAIN = { message: Buffer.alloc(0), seqs: [] as number[] };

/**
 * A gate that records what route asks of it, over real gRPC, requiring the internal `secret`. Count
 * answers `counted` for any app; SetTags and SetRoom update every target.
 */
/** `silent`: a gate that accepts Count and Stats calls and never answers them. */
async function fakeGate(
  secret: string,
  counted = { signedIn: 0, roomSubscribers: 0, tagConnections: 0 },
  silent = false,
) {
  const never = () => new Promise<never>(() => {});
  const delivers: DeliverRequest[] = [];
  const kicks: KickRequest[] = [];
  const roomPushes: PushRoomRequest[] = [];
  const tagPushes: PushTagsRequest[] = [];
  const countCalls: CountRequest[] = [];
  const setTags: SetTagsRequest[] = [];
  const setRooms: SetRoomRequest[] = [];
  const server = await startGrpcServer(
    '127.0.0.1',
    0,
    [
      {
        definition: GateServiceService,
        implementation: {
          deliver: unary(async (req: DeliverRequest) => {
            delivers.push(req);
            return { delivered: req.deliveries.reduce((n, d) => n + d.targets.length, 0), missing: 0 };
          }),
          kick: unary(async (req: KickRequest) => {
            kicks.push(req);
            return { kicked: true };
          }),
          pushRoom: unary(async (req: PushRoomRequest) => {
            roomPushes.push(req);
            return { delivered: 3 };
          }),
          pushTags: unary(async (req: PushTagsRequest) => {
            tagPushes.push(req);
            return { delivered: 1 };
          }),
          count: unary(async (req: CountRequest) => {
            countCalls.push(req);
            return silent ? never() : counted;
          }),
          stats: unary(async () =>
            silent
              ? never()
              : {
                  gateId: 'ignored',
                  connections: counted.signedIn + 1,
                  signedIn: counted.signedIn,
                  rooms: 2,
                  packetsIn: 5,
                  packetsOut: 6,
                  bytesOut: 7,
                  slowCloses: 1,
                  startedAt: 1_700_000_000_000,
                },
          ),
          setTags: unary(async (req: SetTagsRequest) => {
            setTags.push(req);
            return { updated: req.targets.length, missing: 0 };
          }),
          setRoom: unary(async (req: SetRoomRequest) => {
            setRooms.push(req);
            return { updated: req.targets.length, missing: 0 };
          }),
        },
      },
    ],
    { secret },
  );
  return {
    server,
    delivers,
    kicks,
    roomPushes,
    tagPushes,
    countCalls,
    setTags,
    setRooms,
    address: `127.0.0.1:${server.port}`,
  };
}

/** A route on the embedded profile with its health port open, over `store`, and a client of it. */
async function startTestRoute(store: RouteStore): Promise<{
  route: RunningRoute;
  client: RouteServiceClient;
  secret: string;
}> {
  const config = loadConfig({
    profile: 'embedded',
    overrides: { route: { grpcPort: 0, health: { enabled: true, port: 0 } } },
  });
  const route = await startRoute({
    config,
    logger: createLogger({ level: 'silent', service: 'test' }),
    store,
  });
  const secret = config.internal.secret;
  const client = new RouteServiceClient(
    `127.0.0.1:${route.grpcPort}`,
    credentials.createInsecure(),
    internalClientOptions(secret),
  );
  return { route, client, secret };
}

describe('route service over gRPC (memory store, fake gates)', () => {
  let now = 1_000_000;
  const store = new MemoryRouteStore({ clock: () => now });
  let route: RunningRoute;
  let client: RouteServiceClient;
  let secret: string;
  let g1: Awaited<ReturnType<typeof fakeGate>>;
  let g2: Awaited<ReturnType<typeof fakeGate>>;
  const rpc = <Req, Res>(method: (...args: never[]) => unknown, req: Req) =>
    call<Req, Res>(client, method as never, req, new Metadata(), 3_000);

  beforeAll(async () => {
    ({ route, client, secret } = await startTestRoute(store));
    g1 = await fakeGate(secret);
    g2 = await fakeGate(secret);
  });
  afterAll(async () => {
    client.close();
    await route.stop();
    await g1.server.stop(100);
    await g2.server.stop(100);
  });
  beforeEach(async () => {
    for (const g of [g1, g2]) {
      g.delivers.length = 0;
      g.kicks.length = 0;
    }
    await rpc(client.renewLease, { gateId: 'g1', bootId: boots.g1, grpcAddress: g1.address, ttlMs: 10_000 });
    await rpc(client.renewLease, { gateId: 'g2', bootId: 'boot-g2', grpcAddress: g2.address, ttlMs: 10_000 });
  });

  /** The boot id each gate's current process renews with; a test may "restart" g1 under a new one. */
  const boots = { g1: 'boot-g1' };
  const bind = (userId: string, deviceId: string, gateId: string, connId: number) =>
    rpc<unknown, { epoch: number }>(client.bind, {
      appId: 'a',
      userId,
      deviceId,
      gateId,
      gateBootId: gateId === 'g1' ? boots.g1 : `boot-${gateId}`,
      connId,
      platform: 'test',
    });
  const deliverTo = (userIds: string[]) =>
    rpc<unknown, { stats: { delivered: number; failedGates: number; unreachedUserIds: string[] } }>(
      client.deliverToUsers,
      {
        appId: 'a',
        packets: [{ userIds, packet: Buffer.from('x'), excludeUserId: '', excludeDeviceId: '', ...PLAIN }],
      },
    );

  it('groups targets by gate: one Deliver per gate carrying every packet for it', async () => {
    await bind('alice', 'phone', 'g1', 1);
    await bind('alice', 'laptop', 'g2', 2);
    await bind('bob', 'phone', 'g1', 3);
    const res = await rpc<unknown, { stats: { delivered: number; failedGates: number } }>(
      client.deliverToUsers,
      {
        appId: 'a',
        packets: [
          {
            userIds: ['bob'],
            packet: Buffer.from('to-bob'),
            excludeUserId: '',
            excludeDeviceId: '',
            ...PLAIN,
          },
          {
            userIds: ['alice'],
            packet: Buffer.from('to-alice'),
            excludeUserId: 'alice',
            excludeDeviceId: 'laptop',
            ...PLAIN,
          },
        ],
      },
    );
    expect(res.stats).toEqual({ delivered: 2, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] });
    expect(g1.delivers).toHaveLength(1);
    expect(g2.delivers).toHaveLength(0); // alice's laptop sent it and is excluded
    // Each call names the app and the gate process, each target the user and device it is for.
    expect(g1.delivers[0]).toMatchObject({ appId: 'a', bootId: 'boot-g1' });
    expect(g1.delivers[0]!.deliveries[0]!.targets).toEqual([
      { connId: 3, epoch: expect.any(Number), userId: 'bob', deviceId: 'phone', seq: 0 },
    ]);
    const packets = g1.delivers[0]!.deliveries.map((d) => [
      Buffer.from(d.packet).toString(),
      d.targets.map((t) => t.connId),
    ]);
    expect(packets).toEqual([
      ['to-bob', [3]],
      ['to-alice', [1]],
    ]);
  });

  it('passes a message for many users to each gate once, every target with its own seq', async () => {
    await bind('m1', 'phone', 'g1', 31);
    await bind('m2', 'phone', 'g2', 32);
    await bind('m2', 'tablet', 'g1', 33);
    await bind('m3', 'phone', 'g1', 34);
    const res = await rpc<unknown, { stats: { delivered: number } }>(client.deliverToUsers, {
      appId: 'a',
      packets: [
        {
          userIds: ['m1', 'm2', 'm3'],
          packet: Buffer.alloc(0),
          message: Buffer.from('msg'),
          seqs: [7, 8, 9],
          excludeUserId: 'm3',
          excludeDeviceId: 'phone',
        },
      ],
    });
    expect(res.stats.delivered).toBe(3);
    const sent = (gate: typeof g1) =>
      gate.delivers.flatMap((d) =>
        d.deliveries.map((x) => [
          Buffer.from(x.message).toString(),
          x.packet.length,
          x.targets.map((t) => [t.connId, t.seq]),
        ]),
      );
    expect(sent(g1)).toEqual([
      [
        'msg',
        0,
        [
          [31, 7],
          [33, 8],
        ],
      ],
    ]);
    expect(sent(g2)).toEqual([['msg', 0, [[32, 8]]]]);
    // Seqs that do not match the users are refused.
    await expect(
      rpc(client.deliverToUsers, {
        appId: 'a',
        packets: [
          {
            userIds: ['m1', 'm2'],
            packet: Buffer.alloc(0),
            message: Buffer.from('m'),
            seqs: [1],
            excludeUserId: '',
            excludeDeviceId: '',
          },
        ],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT });
  });

  it('kicks the previous connection when a device signs in again', async () => {
    const first = await bind('carol', 'phone', 'g1', 10);
    const second = await bind('carol', 'phone', 'g2', 11);
    expect(second.epoch).toBeGreaterThan(first.epoch);
    expect(g1.kicks).toEqual([
      expect.objectContaining({
        connId: 10,
        epoch: first.epoch,
        code: ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE,
        appId: 'a',
        userId: 'carol',
        deviceId: 'phone',
        bootId: 'boot-g1',
      }),
    ]);
    // The old connection's close must not unbind the new binding.
    const stale = await rpc<unknown, { removed: boolean }>(client.unbind, {
      appId: 'a',
      userId: 'carol',
      deviceId: 'phone',
      epoch: first.epoch,
    });
    expect(stale.removed).toBe(false);
    const presence = await rpc<unknown, { users: Array<{ devices: Array<{ gateId: string }> }> }>(
      client.getPresence,
      {
        appId: 'a',
        userIds: ['carol'],
      },
    );
    expect(presence.users[0]!.devices.map((d) => d.gateId)).toEqual(['g2']);
  });

  describe('internal authentication (issue 7)', () => {
    const outsiders = (): RouteServiceClient[] => [
      new RouteServiceClient(`127.0.0.1:${route.grpcPort}`, credentials.createInsecure()),
      new RouteServiceClient(
        `127.0.0.1:${route.grpcPort}`,
        credentials.createInsecure(),
        internalClientOptions(`${secret.slice(0, -1)}x`),
      ),
    ];
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: RpcError) => [e.code, e.message],
      );
    const refused = [ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'unauthenticated'];
    const kickDevice = (c: RouteServiceClient) =>
      call(
        c,
        c.kickDevice,
        { appId: 'a', userId: 'dave', deviceId: 'phone', code: 0, reason: 'because I can' },
        new Metadata(),
        3_000,
      );

    it('refuses GetPresence, KickDevice, SetUserTags and GetCounts without the internal secret or with a wrong one', async () => {
      await bind('dave', 'phone', 'g1', 40);
      for (const c of outsiders()) {
        try {
          expect(
            await refusal(call(c, c.getPresence, { appId: 'a', userIds: ['dave'] }, new Metadata(), 3_000)),
          ).toEqual(refused);
          expect(await refusal(kickDevice(c))).toEqual(refused);
          expect(
            await refusal(
              call(c, c.setUserTags, { appId: 'a', userId: 'dave', tags: ['vip'] }, new Metadata(), 3_000),
            ),
          ).toEqual(refused);
          expect(
            await refusal(
              call(c, c.getCounts, { appId: 'a', roomId: 'r', tag: 'vip' }, new Metadata(), 3_000),
            ),
          ).toEqual(refused);
        } finally {
          c.close();
        }
      }
      expect(g1.kicks).toEqual([]);
      expect(g1.setTags).toEqual([]);
      expect(g1.countCalls).toEqual([]);
    });

    it('kicks a device for a caller with the internal secret', async () => {
      await bind('dave', 'phone', 'g1', 41);
      g1.kicks.length = 0; // the rebind kicked connection 40 (signed in again)
      await kickDevice(client);
      expect(g1.kicks).toEqual([expect.objectContaining({ connId: 41, userId: 'dave', deviceId: 'phone' })]);
    });
  });

  it('refuses to bind on a gate without a lease with GATE_RESET (the gate renews and retries)', async () => {
    const err = await bind('dave', 'phone', 'nope', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_GATE_RESET);
  });

  it('refuses a room join from a gate without a lease with GATE_RESET, not INTERNAL', async () => {
    const err = await rpc(client.joinRoom, { appId: 'a', roomId: 'r', gateId: 'nope' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_GATE_RESET);
  });

  it('binds many in one BindMany, each answered as its own Bind would be', async () => {
    const one = (userId: string, gateId: string, connId: number) => ({
      appId: 'a',
      userId,
      deviceId: 'phone',
      gateId,
      gateBootId: gateId === 'g1' ? boots.g1 : `boot-${gateId}`,
      connId,
      platform: 'test',
    });
    const first = await bind('erin', 'phone', 'g1', 60);
    g1.kicks.length = 0;
    const res = await rpc<unknown, { outcomes: Array<Record<string, unknown>> }>(client.bindMany, {
      binds: [
        one('erin', 'g2', 61),
        one('frank', 'nope', 62),
        { ...one('gina', 'g1', 63), userId: '' },
        one('hal', 'g1', 64),
      ],
    });
    expect(res.outcomes).toEqual([
      {
        bound: {
          epoch: expect.any(Number),
          previous: expect.objectContaining({ userId: 'erin', gateId: 'g1', connId: 60, epoch: first.epoch }),
        },
        code: 0,
        message: '',
        field: '',
      },
      { code: ErrorCode.ERROR_CODE_GATE_RESET, message: expect.stringContaining('lease'), field: '' },
      { code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT, message: 'user_id is required', field: '' },
      { bound: { epoch: expect.any(Number) }, code: 0, message: '', field: '' },
    ]);
    expect((res.outcomes[0]!['bound'] as { epoch: number }).epoch).toBeGreaterThan(first.epoch);
    // The older connection of the device was kicked, as by a Bind.
    expect(g1.kicks).toEqual([expect.objectContaining({ connId: 60, userId: 'erin', deviceId: 'phone' })]);
    const tooMany = await rpc(client.bindMany, {
      binds: Array.from({ length: INTERNAL_LIMITS.bindsPerCall + 1 }, (_, i) => one(`u${i}`, 'g1', i)),
    }).catch((e: unknown) => e);
    expect((tooMany as RpcError).code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
  });

  it('gives a gate restarted under the same id none of the old process’s pushes or kicks', async () => {
    // alice is bound on g1's first process as connection 40; it dies and a new process renews the
    // lease under the same gate id before it lapses. Connection ids restart, so bob gets 40 too.
    await bind('alice2', 'phone', 'g1', 40);
    boots.g1 = 'boot-g1-restarted';
    const renewed = await rpc<unknown, { registered: boolean }>(client.renewLease, {
      gateId: 'g1',
      bootId: boots.g1,
      grpcAddress: g1.address,
      ttlMs: 10_000,
    });
    expect(renewed.registered).toBe(true);
    await bind('bob2', 'phone', 'g1', 40);
    g1.delivers.length = 0;
    g1.kicks.length = 0;
    // A message to alice finds her offline; nothing goes to g1.
    expect((await deliverTo(['alice2'])).stats.delivered).toBe(0);
    expect(g1.delivers).toEqual([]);
    // alice signing in elsewhere replaces no binding, so bob is not kicked.
    await bind('alice2', 'phone', 'g2', 41);
    expect(g1.kicks).toEqual([]);
    expect((await deliverTo(['bob2'])).stats.delivered).toBe(1);
    expect(g1.delivers[0]).toMatchObject({ bootId: 'boot-g1-restarted' });
    // The old process can no longer bind.
    const stale = await rpc(client.bind, {
      appId: 'a',
      userId: 'x',
      deviceId: 'y',
      gateId: 'g1',
      gateBootId: 'boot-g1',
      connId: 1,
      platform: '',
    }).catch((e: unknown) => e);
    expect((stale as RpcError).code).toBe(ErrorCode.ERROR_CODE_GATE_RESET);
    boots.g1 = 'boot-g1';
  });

  it('names the users it could not reach, so logic can tell them to sync', async () => {
    await rpc(client.renewLease, {
      gateId: 'g4',
      bootId: 'boot-g4',
      grpcAddress: '127.0.0.1:1',
      ttlMs: 60_000,
    });
    await bind('frank', 'phone', 'g4', 1);
    await bind('frank', 'laptop', 'g1', 2);
    await bind('gina', 'phone', 'g2', 3);
    const res = await deliverTo(['frank', 'gina']);
    expect(res.stats).toEqual({
      delivered: 2,
      failedGates: 1,
      unreachedUserIds: ['frank'],
      offlineUserIds: [],
    });
    await rpc(client.removeGate, { gateId: 'g4' });
  });

  it('re-binds the sessions a gate still holds, but never takes a device bound elsewhere', async () => {
    await bind('hank', 'phone', 'g2', 9);
    await rpc(client.renewLease, { gateId: 'g5', bootId: 'boot-g5', grpcAddress: g1.address, ttlMs: 60_000 });
    const res = await rpc<unknown, { results: Array<{ epoch: number; superseded: boolean }> }>(
      client.rebindGate,
      {
        gateId: 'g5',
        bootId: 'boot-g5',
        sessions: [
          { appId: 'a', userId: 'ivy', deviceId: 'phone', connId: 1, platform: 'ios' },
          { appId: 'a', userId: 'hank', deviceId: 'phone', connId: 2, platform: 'ios' },
        ],
        rooms: [{ appId: 'a', roomId: 'rebound-room' }],
      },
    );
    expect(res.results).toEqual([
      { epoch: expect.any(Number), superseded: false },
      { epoch: 0, superseded: true },
    ]);
    expect(res.results[0]!.epoch).toBeGreaterThan(0);
    const presence = await rpc<
      unknown,
      { users: Array<{ devices: Array<{ gateId: string; platform: string }> }> }
    >(client.getPresence, { appId: 'a', userIds: ['ivy', 'hank'] });
    expect(presence.users.map((u) => u.devices.map((d) => `${d.gateId}/${d.platform}`))).toEqual([
      ['g5/ios'],
      ['g2/test'],
    ]);
    const counts = await rpc<unknown, { roomGates: number }>(client.getCounts, {
      appId: 'a',
      roomId: 'rebound-room',
      tag: '',
    });
    expect(counts.roomGates).toBe(1);
    const stale = await rpc(client.rebindGate, {
      gateId: 'g5',
      bootId: 'other',
      sessions: [],
      rooms: [],
    }).catch((e: unknown) => e);
    // No sessions and no rooms: nothing to refuse; a session with the wrong boot id is refused.
    expect(stale).toEqual({ results: [] });
    const refused = await rpc(client.rebindGate, {
      gateId: 'g5',
      bootId: 'other',
      sessions: [{ appId: 'a', userId: 'ivy', deviceId: 'tablet', connId: 3, platform: '' }],
      rooms: [],
    }).catch((e: unknown) => e);
    expect((refused as RpcError).code).toBe(ErrorCode.ERROR_CODE_GATE_RESET);
    await rpc(client.removeGate, { gateId: 'g5' });
  });

  it('forgets a crashed gate once its lease lapses', async () => {
    await bind('erin', 'phone', 'g1', 20);
    await rpc(client.renewLease, {
      gateId: 'g3',
      bootId: 'boot-g3',
      grpcAddress: '127.0.0.1:1',
      ttlMs: 1_000,
    });
    await bind('erin', 'tablet', 'g3', 21);
    now += 5_000; // g3 stops renewing; g1 and g2 are renewed in beforeEach with a longer ttl
    const res = await rpc<unknown, { stats: { delivered: number; failedGates: number } }>(
      client.deliverToUsers,
      {
        appId: 'a',
        packets: [
          { userIds: ['erin'], packet: Buffer.from('x'), excludeUserId: '', excludeDeviceId: '', ...PLAIN },
        ],
      },
    );
    expect(res.stats).toEqual({ delivered: 1, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] });
    const counts = await rpc<unknown, { gates: number }>(client.getCounts, {
      appId: 'a',
      roomId: '',
      tag: '',
    });
    expect(counts.gates).toBe(2);
  });

  it('counts its work on /metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${route.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_route_binds_total [1-9]/);
    expect(metrics).toMatch(/switchboard_route_kicks_total [1-9]/);
    expect((await fetch(`http://127.0.0.1:${route.healthPort}/healthz`)).status).toBe(200);
  });

  it('pushes a room only to the gates that hold its subscribers', async () => {
    await rpc(client.joinRoom, { appId: 'a', roomId: 'live', gateId: 'g2' });
    const res = await rpc<unknown, { stats: { delivered: number } }>(client.deliverToRoom, {
      appId: 'a',
      roomId: 'live',
      packet: Buffer.from('hi'),
      more: [],
    });
    expect(res.stats.delivered).toBe(3);
    expect(g2.roomPushes).toHaveLength(1);
    expect(g1.roomPushes).toHaveLength(0);
  });
});

// Real Redis at 127.0.0.1:6379 for the Redis store, under a prefix of its own deleted afterwards.
const STORES: ReadonlyArray<[string, () => { store: RouteStore; close: () => Promise<void> }]> = [
  ['memory', () => ({ store: new MemoryRouteStore(), close: async () => {} })],
  [
    'redis',
    () => {
      const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
      const store = new RedisRouteStore({ client: redis, prefix: `sbtest:route-service:${randomUUID()}` });
      return {
        store,
        close: async () => {
          const keys = await redis.keys(store.keys.pattern());
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        },
      };
    },
  ],
];

describe.each(STORES)('offline users, counts, tags (%s store)', (_kind, makeStore) => {
  let route: RunningRoute;
  let client: RouteServiceClient;
  let closeStore: () => Promise<void>;
  let g1: Awaited<ReturnType<typeof fakeGate>>;
  let g2: Awaited<ReturnType<typeof fakeGate>>;
  const rpc = <Req, Res>(method: (...args: never[]) => unknown, req: Req) =>
    call<Req, Res>(client, method as never, req, new Metadata(), 3_000);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: RpcError) => e.code,
    );

  beforeAll(async () => {
    const made = makeStore();
    closeStore = made.close;
    let secret: string;
    ({ route, client, secret } = await startTestRoute(made.store));
    g1 = await fakeGate(secret, { signedIn: 9, roomSubscribers: 2, tagConnections: 5 });
    g2 = await fakeGate(secret, { signedIn: 9, roomSubscribers: 1, tagConnections: 1 });
    await rpc(client.renewLease, { gateId: 'g1', bootId: 'boot-g1', grpcAddress: g1.address, ttlMs: 60_000 });
    await rpc(client.renewLease, { gateId: 'g2', bootId: 'boot-g2', grpcAddress: g2.address, ttlMs: 60_000 });
    // A live lease whose gate does not answer.
    await rpc(client.renewLease, {
      gateId: 'dead',
      bootId: 'boot-dead',
      grpcAddress: '127.0.0.1:1',
      ttlMs: 60_000,
    });
  });
  afterAll(async () => {
    client.close();
    await route.stop();
    await g1.server.stop(100);
    await g2.server.stop(100);
    await closeStore();
  });

  const bind = (userId: string, deviceId: string, gateId: string, connId: number) =>
    rpc<unknown, { epoch: number }>(client.bind, {
      appId: 'a',
      userId,
      deviceId,
      gateId,
      gateBootId: `boot-${gateId}`,
      connId,
      platform: 'test',
    });

  it('names the users with no binding at all as offline, apart from the unreached ones', async () => {
    await bind('on', 'phone', 'g1', 1);
    await bind('cut-off', 'phone', 'dead', 2);
    await bind('sender', 'phone', 'g2', 3);
    const res = await rpc<unknown, { stats: unknown }>(client.deliverToUsers, {
      appId: 'a',
      packets: [
        {
          userIds: ['on', 'nobody', 'cut-off', 'sender', 'nobody'],
          packet: Buffer.from('x'),
          excludeUserId: 'sender',
          excludeDeviceId: 'phone',
          ...PLAIN,
        },
        {
          userIds: ['also-nobody'],
          packet: Buffer.from('y'),
          excludeUserId: '',
          excludeDeviceId: '',
          ...PLAIN,
        },
      ],
    });
    expect(res.stats).toEqual({
      delivered: 1,
      failedGates: 1,
      unreachedUserIds: ['cut-off'],
      offlineUserIds: ['nobody', 'also-nobody'],
    });
  });

  it('sums room subscribers and tagged connections over the live gates, counting the silent ones', async () => {
    g1.countCalls.length = 0;
    const counts = await rpc<unknown, Record<string, number>>(client.getCounts, {
      appId: 'a',
      roomId: 'lobby',
      tag: 'vip',
    });
    expect(counts).toMatchObject({ roomSubscribers: 3, tagConnections: 6, failedGates: 1, gates: 3 });
    expect(g1.countCalls).toEqual([{ appId: 'a', roomId: 'lobby', tag: 'vip' }]);
    // Naming neither a room nor a tag asks no gate.
    const plain = await rpc<unknown, Record<string, number>>(client.getCounts, {
      appId: 'a',
      roomId: '',
      tag: '',
    });
    expect(plain).toMatchObject({ roomSubscribers: 0, tagConnections: 0, failedGates: 0 });
    expect(g1.countCalls).toHaveLength(1);
    const metrics = await (await fetch(`http://127.0.0.1:${route.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_route_gate_count_calls_total [1-9]/);
  });

  it('lists the live gates with their lease and their Stats, a silent one as unreachable with zeros', async () => {
    const before = Date.now();
    const res = await rpc<unknown, { gates: Array<Record<string, unknown>>; now: number }>(
      client.listGates,
      {},
    );
    expect(res.now).toBeGreaterThanOrEqual(before);
    expect(res.gates.map((g) => g['gateId'])).toEqual(['dead', 'g1', 'g2']);
    expect(res.gates[1]).toEqual({
      gateId: 'g1',
      grpcAddress: g1.address,
      leaseExpiresAt: expect.any(Number),
      reachable: true,
      connections: 10,
      signedIn: 9,
      rooms: 2,
      packetsIn: 5,
      packetsOut: 6,
      bytesOut: 7,
      slowCloses: 1,
      startedAt: 1_700_000_000_000,
    });
    expect(res.gates[1]!['leaseExpiresAt']).toBeGreaterThan(res.now);
    expect(res.gates[0]).toMatchObject({ gateId: 'dead', reachable: false, connections: 0, signedIn: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${route.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_route_gate_stats_calls_total [1-9]/);
  });

  it('sends each gate holding the user one SetTags naming its connections', async () => {
    const e1 = (await bind('tagged', 'phone', 'g1', 11)).epoch;
    const e2 = (await bind('tagged', 'tablet', 'g1', 12)).epoch;
    const e3 = (await bind('tagged', 'laptop', 'g2', 13)).epoch;
    await bind('tagged', 'watch', 'dead', 14);
    await bind('someone-else', 'phone', 'g1', 15);
    g1.setTags.length = 0;
    g2.setTags.length = 0;
    const res = await rpc<unknown, unknown>(client.setUserTags, {
      appId: 'a',
      userId: 'tagged',
      tags: ['vip', 'beta'],
    });
    expect(res).toEqual({ updated: 3, failedGates: 1 });
    expect(g1.setTags).toHaveLength(1);
    expect(g1.setTags[0]).toMatchObject({ appId: 'a', bootId: 'boot-g1', tags: ['vip', 'beta'] });
    const targets = [...g1.setTags[0]!.targets].sort((x, y) => x.connId - y.connId);
    expect(targets).toEqual([
      { connId: 11, epoch: e1, userId: 'tagged', deviceId: 'phone', seq: 0 },
      { connId: 12, epoch: e2, userId: 'tagged', deviceId: 'tablet', seq: 0 },
    ]);
    expect(g2.setTags).toEqual([
      {
        appId: 'a',
        bootId: 'boot-g2',
        targets: [{ connId: 13, epoch: e3, userId: 'tagged', deviceId: 'laptop', seq: 0 }],
        tags: ['vip', 'beta'],
      },
    ]);
    expect(await rpc(client.setUserTags, { appId: 'a', userId: 'nobody', tags: [] })).toEqual({
      updated: 0,
      failedGates: 0,
    });
    const metrics = await (await fetch(`http://127.0.0.1:${route.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_route_set_user_tags_total [1-9]/);
    expect(metrics).toMatch(/switchboard_route_gate_set_tags_calls_total [1-9]/);
  });

  it('sends each gate holding some of the users one SetRoom naming their connections and boot id', async () => {
    const e1 = (await bind('member1', 'phone', 'g1', 21)).epoch;
    const e2 = (await bind('member1', 'tablet', 'g2', 22)).epoch;
    const e3 = (await bind('member2', 'phone', 'g1', 23)).epoch;
    await bind('member2', 'watch', 'dead', 24);
    await bind('not-a-member', 'phone', 'g1', 25);
    g1.setRooms.length = 0;
    g2.setRooms.length = 0;
    const res = await rpc<unknown, unknown>(client.setUsersRoom, {
      appId: 'a',
      roomId: 'sb:group:7',
      userIds: ['member1', 'member2', 'offline-member', 'member1'],
      join: true,
    });
    // Three connections updated on g1 and g2; the dead gate holding member2's watch is counted.
    expect(res).toEqual({ updated: 3, failedGates: 1 });
    expect(g1.setRooms).toHaveLength(1);
    expect(g1.setRooms[0]).toMatchObject({ appId: 'a', bootId: 'boot-g1', roomId: 'sb:group:7', join: true });
    expect([...g1.setRooms[0]!.targets].sort((x, y) => x.connId - y.connId)).toEqual([
      { connId: 21, epoch: e1, userId: 'member1', deviceId: 'phone', seq: 0 },
      { connId: 23, epoch: e3, userId: 'member2', deviceId: 'phone', seq: 0 },
    ]);
    expect(g2.setRooms).toEqual([
      {
        appId: 'a',
        bootId: 'boot-g2',
        targets: [{ connId: 22, epoch: e2, userId: 'member1', deviceId: 'tablet', seq: 0 }],
        roomId: 'sb:group:7',
        join: true,
      },
    ]);
    // Leaving goes the same way; users with no connection ask no gate.
    const left = await rpc(client.setUsersRoom, {
      appId: 'a',
      roomId: 'sb:group:7',
      userIds: ['member1'],
      join: false,
    });
    expect(left).toEqual({ updated: 2, failedGates: 0 });
    expect(g2.setRooms[1]).toMatchObject({ join: false, bootId: 'boot-g2' });
    expect(
      await rpc(client.setUsersRoom, { appId: 'a', roomId: 'r', userIds: ['nobody'], join: true }),
    ).toEqual({ updated: 0, failedGates: 0 });
    expect(g1.setRooms).toHaveLength(2);
    const metrics = await (await fetch(`http://127.0.0.1:${route.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_route_set_users_room_total [1-9]/);
    expect(metrics).toMatch(/switchboard_route_gate_set_room_calls_total [1-9]/);
  });

  it('refuses SetUsersRoom without an app, with a bad room id or too many users', async () => {
    const bad = ErrorCode.ERROR_CODE_INVALID_ARGUMENT;
    const setRoom = (roomId: string, userIds: string[], appId = 'a') =>
      failure(rpc(client.setUsersRoom, { appId, roomId, userIds, join: true }));
    expect(await setRoom('', ['u'])).toBe(bad);
    expect(await setRoom('r'.repeat(129), ['u'])).toBe(bad);
    expect(await setRoom('r', ['u'], '')).toBe(bad);
    expect(await setRoom('r', ['u', ''])).toBe(bad);
    expect(
      await setRoom(
        'r',
        Array.from({ length: 1001 }, (_, i) => `u${i}`),
      ),
    ).toBe(bad);
    expect(
      await setRoom(
        'r'.repeat(128),
        Array.from({ length: 1000 }, (_, i) => `u${i}`),
      ),
    ).toBe('accepted');
  });

  it('passes none_of through to every gate', async () => {
    g1.tagPushes.length = 0;
    const expression = { allOf: ['v2'], anyOf: [], noneOf: ['beta'] };
    const res = await rpc<unknown, { stats: { delivered: number; failedGates: number } }>(
      client.deliverToTags,
      {
        appId: 'a',
        expression,
        packet: Buffer.from('x'),
      },
    );
    expect(res.stats).toMatchObject({ delivered: 2, failedGates: 1 });
    expect(g1.tagPushes).toEqual([expect.objectContaining({ appId: 'a', expression })]);
  });

  it('refuses rooms, tags and tag sets past their bounds with INVALID_ARGUMENT, not INTERNAL', async () => {
    const bad = ErrorCode.ERROR_CODE_INVALID_ARGUMENT;
    const counts = (roomId: string, tag: string) =>
      failure(rpc(client.getCounts, { appId: 'a', roomId, tag }));
    const setTags = (tags: string[], userId = 'u') =>
      failure(rpc(client.setUserTags, { appId: 'a', userId, tags }));
    expect(await counts('r'.repeat(129), '')).toBe(bad);
    expect(await counts('', 't'.repeat(65))).toBe(bad);
    expect(await counts('r'.repeat(128), 't'.repeat(64))).toBe('accepted');
    expect(await setTags(Array.from({ length: 33 }, (_, i) => `t${i}`))).toBe(bad);
    expect(await setTags(['t'.repeat(65)])).toBe(bad);
    expect(await setTags(['ok'], '')).toBe(bad);
    expect(await setTags(Array.from({ length: 32 }, (_, i) => `t${i}`))).toBe('accepted');
  });
});

describe('faults between route and its gates: a gate that never answers, a caller that has gone', () => {
  /** A memory store whose device lookups wait until released while `hold` is set. */
  class HeldStore extends MemoryRouteStore {
    held: Array<() => void> = [];
    hold = false;
    override async devicesOf(appId: string, userIds: readonly string[]) {
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
      return super.devicesOf(appId, userIds);
    }
  }
  const store = new HeldStore();
  let route: RunningRoute;
  let client: RouteServiceClient;
  let g1: Awaited<ReturnType<typeof fakeGate>>;
  let mute: Awaited<ReturnType<typeof fakeGate>>;
  // Under the gate-call timeout (5 s by default): the caller must not wait for a gate's timeout.
  const rpc = <Req, Res>(method: (...args: never[]) => unknown, req: Req, deadlineMs = 3_000) =>
    call<Req, Res>(client, method as never, req, new Metadata(), deadlineMs);

  beforeAll(async () => {
    let secret: string;
    ({ route, client, secret } = await startTestRoute(store));
    g1 = await fakeGate(secret, { signedIn: 4, roomSubscribers: 2, tagConnections: 3 });
    mute = await fakeGate(secret, undefined, true);
    for (const [gateId, gate] of [
      ['g1', g1],
      ['mute', mute],
    ] as const) {
      await rpc(client.renewLease, {
        gateId,
        bootId: `boot-${gateId}`,
        grpcAddress: gate.address,
        ttlMs: 60_000,
      });
    }
    await rpc(client.bind, {
      appId: 'a',
      userId: 'u1',
      deviceId: 'phone',
      gateId: 'g1',
      gateBootId: 'boot-g1',
      connId: 1,
      platform: 'test',
    });
  });
  afterAll(async () => {
    client.close();
    await route.stop();
    await g1.server.stop(100);
    await mute.server.stop(0);
  });

  it('lists a gate that never answers Stats as unreachable instead of failing the whole GetServerStats', async () => {
    const res = await rpc<unknown, { gates: Array<Record<string, unknown>> }>(client.listGates, {});
    expect(res.gates.map((g) => [g['gateId'], g['reachable'], g['signedIn']])).toEqual([
      ['g1', true, 4],
      ['mute', false, 0],
    ]);
  });

  it('counts without a gate that never answers Count, naming it failed', async () => {
    const res = await rpc<unknown, Record<string, number>>(client.getCounts, {
      appId: 'a',
      roomId: 'lobby',
      tag: 'vip',
    });
    expect(res).toMatchObject({ roomSubscribers: 2, tagConnections: 3, failedGates: 1 });
  });

  it('calls no gate for a delivery whose caller has gone before its lookup ends', async () => {
    store.hold = true;
    const sent = rpc(
      client.deliverToUsers,
      {
        appId: 'a',
        packets: [{ userIds: ['u1'], packet: Buffer.from('late'), message: Buffer.alloc(0), seqs: [] }],
      },
      200,
    ).then(
      () => 'answered',
      (e: RpcError) => e.code,
    );
    await vi.waitFor(() => expect(store.held).toHaveLength(1));
    expect(await sent).toBe(ErrorCode.ERROR_CODE_TIMEOUT);
    // The server's deadline is the client's plus the request's transit: let it pass too.
    await new Promise((resolve) => setTimeout(resolve, 100));
    store.hold = false;
    store.held.shift()!();
    const metrics = async () => (await fetch(`http://127.0.0.1:${route.healthPort}/metrics`)).text();
    await vi.waitFor(async () =>
      expect(await metrics()).toMatch(/switchboard_route_deliveries_abandoned_total 1/),
    );
    // The caller retries, or the device syncs.
    expect(g1.delivers).toEqual([]);
  });
});
