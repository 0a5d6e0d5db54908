import { ErrorCode } from '@switchboard/proto/client';
import {
  RouteServiceService,
  type BindManyRequest,
  type BindRequest,
  type DeliverToRoomRequest,
  type DeliverToTagsRequest,
  type GetCountsRequest,
  type KickDeviceRequest,
  type SetUsersRoomRequest,
  type SetUserTagsRequest,
} from '@switchboard/proto/route';
import { RpcError, startGrpcServer, unary, type StartedServer } from '@switchboard/rpc';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcLogicRoutePort } from './route-port.js';

const stats = (delivered: number) => ({
  stats: { delivered, failedGates: 1, unreachedUserIds: [], offlineUserIds: [] },
});

/**
 * A RouteService over real gRPC that records requests. The first SetUserTags and the first
 * DeliverToRoom fail as UNAVAILABLE, to show which calls the adapter's channel sends again.
 */
async function fakeRoute(secret: string) {
  const requests: Record<string, unknown[]> = {};
  const seen = (name: string, req: unknown) => (requests[name] ??= []).push(req);
  const unavailable = () => new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'try another route');
  const server = await startGrpcServer(
    '127.0.0.1',
    0,
    [
      {
        definition: RouteServiceService,
        implementation: {
          bind: unary(async (req: BindRequest) => {
            seen('bind', req);
            return { epoch: req.connId * 10 };
          }),
          bindMany: unary(async (req: BindManyRequest) => {
            seen('bindMany', req);
            return {
              outcomes: req.binds.map((b) =>
                b.userId === 'refused'
                  ? { code: ErrorCode.ERROR_CODE_GATE_RESET, message: 'renew', field: '' }
                  : { bound: { epoch: b.connId * 10 }, code: 0, message: '', field: '' },
              ),
            };
          }),
          deliverToRoom: unary(async (req: DeliverToRoomRequest) => {
            seen('deliverToRoom', req);
            if (requests['deliverToRoom']!.length === 1) throw unavailable();
            return stats(3);
          }),
          deliverToTags: unary(async (req: DeliverToTagsRequest) => {
            seen('deliverToTags', req);
            return stats(2);
          }),
          deliverToAll: unary(async (req: unknown) => {
            seen('deliverToAll', req);
            return stats(5);
          }),
          getPresence: unary(async () => ({
            users: [
              {
                userId: 'alice',
                devices: [
                  {
                    appId: 'a',
                    userId: 'alice',
                    deviceId: 'phone',
                    gateId: 'g1',
                    gateBootId: 'b1',
                    connId: 4,
                    epoch: 9,
                    platform: 'ios',
                    boundAt: 1_700_000_000_123,
                  },
                ],
              },
              { userId: 'bob', devices: [] },
            ],
          })),
          getCounts: unary(async (req: GetCountsRequest) => {
            seen('getCounts', req);
            return {
              onlineDevices: 7,
              roomGates: 1,
              gates: 2,
              roomSubscribers: 4,
              tagConnections: 3,
              failedGates: 1,
            };
          }),
          kickDevice: unary(async (req: KickDeviceRequest) => {
            seen('kickDevice', req);
            return { kicked: true };
          }),
          setUserTags: unary(async (req: SetUserTagsRequest) => {
            seen('setUserTags', req);
            if (requests['setUserTags']!.length === 1) throw unavailable();
            return { updated: 2, failedGates: 0 };
          }),
          setUsersRoom: unary(async (req: SetUsersRoomRequest) => {
            seen('setUsersRoom', req);
            if (requests['setUsersRoom']!.length === 1) throw unavailable();
            return { updated: req.userIds.length * 2, failedGates: 1 };
          }),
        },
      },
    ],
    { secret },
  );
  return { server, requests };
}

describe('GrpcLogicRoutePort over real gRPC', () => {
  const secret = randomBytes(32).toString('base64url');
  let route: Awaited<ReturnType<typeof fakeRoute>>;
  let server: StartedServer;
  let port: GrpcLogicRoutePort;
  const bindManySizes: number[] = [];

  beforeAll(async () => {
    route = await fakeRoute(secret);
    server = route.server;
    port = new GrpcLogicRoutePort(`127.0.0.1:${server.port}`, { secret }, 3_000, undefined, (binds) =>
      bindManySizes.push(binds),
    );
  });
  afterAll(async () => {
    port.close();
    await server.stop(100);
  });

  const bindInput = (userId: string, connId: number) => ({
    appId: 'a',
    userId,
    deviceId: 'phone',
    gateId: 'g1',
    gateBootId: 'b1',
    connId,
    platform: 'ios',
  });

  it('sends the binds of one tick as one BindMany, each answered with its own epoch or error', async () => {
    const results = await Promise.allSettled(
      [bindInput('alice', 1), bindInput('refused', 2), bindInput('bob', 3)].map((b) => port.bind(b)),
    );
    expect(results[0]).toEqual({ status: 'fulfilled', value: { epoch: 10 } });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { code: ErrorCode.ERROR_CODE_GATE_RESET },
    });
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RpcError);
    expect(results[2]).toEqual({ status: 'fulfilled', value: { epoch: 30 } });
    expect(route.requests['bindMany']).toEqual([
      { binds: [bindInput('alice', 1), bindInput('refused', 2), bindInput('bob', 3)] },
    ]);
    // A bind alone in its tick goes the same way, as a BindMany of one.
    expect(await port.bind(bindInput('carol', 4))).toEqual({ epoch: 40 });
    expect(route.requests['bindMany']).toHaveLength(2);
    expect(route.requests['bind']).toBeUndefined();
    expect(bindManySizes).toEqual([3, 1]);
  });

  it('binds one by one against a route without BindMany (a rolling upgrade)', async () => {
    const old = await startGrpcServer(
      '127.0.0.1',
      0,
      [
        {
          definition: RouteServiceService,
          implementation: { bind: unary(async (req: BindRequest) => ({ epoch: req.connId + 100 })) },
        },
      ],
      { secret },
    );
    const tried: number[] = [];
    const toOld = new GrpcLogicRoutePort(`127.0.0.1:${old.port}`, { secret }, 3_000, undefined, (binds) =>
      tried.push(binds),
    );
    try {
      for (let round = 0; round < 2; round++) {
        const epochs = await Promise.all([1, 2, 3].map((i) => toOld.bind(bindInput(`u${i}`, i))));
        expect(epochs).toEqual([{ epoch: 101 }, { epoch: 102 }, { epoch: 103 }]);
      }
      // BindMany was tried once; until it is tried again (a minute on), binds go one by one.
      expect(tried).toEqual([3]);
    } finally {
      toOld.close();
      await old.stop(100);
    }
  });

  it('sends room, tag and app-wide deliveries once, passing none_of through', async () => {
    const packet = Buffer.from('p');
    // Not retried: the first DeliverToRoom fails and the caller sees it.
    const err = await port.deliverToRoom('a', 'lobby', packet).catch((e: unknown) => e);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(route.requests['deliverToRoom']).toHaveLength(1);
    expect(await port.deliverToRoom('a', 'lobby', packet)).toEqual(stats(3).stats);
    const expression = { allOf: ['v2'], anyOf: ['x', 'y'], noneOf: ['beta'] };
    expect(await port.deliverToTags('a', expression, packet)).toEqual(stats(2).stats);
    expect(route.requests['deliverToTags']).toEqual([{ appId: 'a', expression, packet }]);
    expect(await port.deliverToAll('a', packet)).toEqual(stats(5).stats);
  });

  it('maps presence, counts and kicks', async () => {
    expect(await port.presence('a', ['alice', 'bob'])).toEqual([
      {
        userId: 'alice',
        devices: [{ deviceId: 'phone', platform: 'ios', gateId: 'g1', boundAt: 1_700_000_000_123 }],
      },
      { userId: 'bob', devices: [] },
    ]);
    expect(await port.counts('a', 'lobby', 'vip')).toEqual({
      onlineDevices: 7,
      roomSubscribers: 4,
      tagConnections: 3,
      failedGates: 1,
    });
    expect(route.requests['getCounts']).toEqual([{ appId: 'a', roomId: 'lobby', tag: 'vip' }]);
    expect(await port.kickDevice('a', 'alice', 'phone', ErrorCode.ERROR_CODE_KICKED_BY_ADMIN, 'bye')).toBe(
      true,
    );
    expect(route.requests['kickDevice']).toEqual([
      {
        appId: 'a',
        userId: 'alice',
        deviceId: 'phone',
        code: ErrorCode.ERROR_CODE_KICKED_BY_ADMIN,
        reason: 'bye',
      },
    ]);
  });

  it('sends SetUserTags again after UNAVAILABLE (it is idempotent)', async () => {
    expect(await port.setUserTags('a', 'alice', ['vip'])).toEqual({ updated: 2, failedGates: 0 });
    expect(route.requests['setUserTags']).toEqual([
      { appId: 'a', userId: 'alice', tags: ['vip'] },
      { appId: 'a', userId: 'alice', tags: ['vip'] },
    ]);
  });

  it('sends SetUsersRoom in calls of at most 1000 users, summing the answers, again after UNAVAILABLE', async () => {
    const users = Array.from({ length: 2500 }, (_, i) => `u${i}`);
    expect(await port.setUsersRoom('a', 'sb:group:1', users, true)).toEqual({
      updated: 5000,
      failedGates: 3,
    });
    const calls = route.requests['setUsersRoom'] as SetUsersRoomRequest[];
    // The first call failed once and was sent again.
    expect(calls.map((c) => c.userIds.length)).toEqual([1000, 1000, 1000, 500]);
    expect(calls.slice(1).flatMap((c) => c.userIds)).toEqual(users);
    expect(calls[0]).toMatchObject({ appId: 'a', roomId: 'sb:group:1', join: true });
    expect(await port.setUsersRoom('a', 'sb:group:1', [], false)).toEqual({ updated: 0, failedGates: 0 });
    expect(calls).toHaveLength(4);
  });
});
