import type { Logger } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import type { RoomPacket } from '@switchboard/proto/conn';
import type {
  Binding as BindingMsg,
  BindOutcome,
  BindRequest,
  BindResponse,
  RouteServiceServer,
} from '@switchboard/proto/route';
import {
  checkLength,
  checkRoomId,
  checkTagSet,
  INTERNAL_LIMITS,
  isCodedError,
  RpcError,
  toErrorOutcome,
  unary,
} from '@switchboard/rpc';
import type { Binding } from '@switchboard/route-store';
import type { RouteService } from './route-service.js';

function toMsg(b: Binding): BindingMsg {
  return {
    appId: b.appId,
    userId: b.userId,
    deviceId: b.deviceId,
    gateId: b.gateId,
    gateBootId: b.gateBootId,
    connId: Number(b.connId),
    epoch: b.epoch,
    platform: b.platform,
    boundAt: b.boundAt,
  };
}

/** A message packet's seqs, one per user. */
function seqsOf(userIds: readonly string[], seqs: number[]): number[] {
  if (seqs.length !== userIds.length)
    throw new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'a message packet needs one seq per user');
  return seqs;
}

function required(value: string, name: string): string {
  if (!value) throw new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, `${name} is required`);
  return value;
}

function checkUserIds(userIds: readonly string[]): readonly string[] {
  const max = INTERNAL_LIMITS.usersPerSetRoom;
  if (userIds.length > max) {
    throw new RpcError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `user_ids may hold at most ${max} users per call`,
    );
  }
  for (const u of userIds) required(u, 'user_ids');
  return userIds;
}

async function bind(service: RouteService, req: BindRequest): Promise<BindResponse> {
  const { epoch, previous } = await service.bind({
    appId: required(req.appId, 'app_id'),
    userId: required(req.userId, 'user_id'),
    deviceId: required(req.deviceId, 'device_id'),
    gateId: required(req.gateId, 'gate_id'),
    gateBootId: required(req.gateBootId, 'gate_boot_id'),
    connId: String(req.connId),
    platform: req.platform,
    boundAt: Date.now(),
  });
  return previous ? { epoch, previous: toMsg(previous) } : { epoch };
}

/** Translates RouteService gRPC calls to the domain service; no decisions here. */
export function routeHandlers(service: RouteService, log: Logger): RouteServiceServer {
  const onError = (err: unknown) => log.error({ err }, 'route call failed');
  return {
    bind: unary((req) => bind(service, req), onError),
    bindMany: unary(async (req) => {
      if (req.binds.length > INTERNAL_LIMITS.bindsPerCall) {
        throw new RpcError(
          ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
          `binds may hold at most ${INTERNAL_LIMITS.bindsPerCall} binds per call`,
        );
      }
      // All at once, as many Bind calls would be: each keeps its own order against the store.
      const settled = await Promise.allSettled(req.binds.map((b) => bind(service, b)));
      const outcomes = settled.map((r): BindOutcome => {
        if (r.status === 'fulfilled') return { bound: r.value, code: 0, message: '', field: '' };
        if (!isCodedError(r.reason)) onError(r.reason);
        return toErrorOutcome(r.reason);
      });
      return { outcomes };
    }, onError),
    rebindGate: unary(async (req) => {
      const results = await service.rebindGate(
        required(req.gateId, 'gate_id'),
        required(req.bootId, 'boot_id'),
        req.sessions.map((s) => ({
          appId: required(s.appId, 'sessions.app_id'),
          userId: required(s.userId, 'sessions.user_id'),
          deviceId: required(s.deviceId, 'sessions.device_id'),
          connId: String(s.connId),
          platform: s.platform,
          boundAt: Date.now(),
        })),
        req.rooms.map((r) => ({
          appId: required(r.appId, 'rooms.app_id'),
          roomId: required(r.roomId, 'rooms.room_id'),
        })),
      );
      return { results };
    }, onError),
    unbind: unary(
      async (req) => ({
        removed: await service.unbind(req.appId, req.userId, req.deviceId, req.epoch),
      }),
      onError,
    ),
    renewLease: unary(async (req) => {
      const r = await service.renewLease(
        required(req.gateId, 'gate_id'),
        required(req.bootId, 'boot_id'),
        required(req.grpcAddress, 'grpc_address'),
        req.ttlMs,
      );
      return { registered: r.registered, leaseExpiresAt: r.leaseExpiresAt };
    }, onError),
    removeGate: unary(async (req) => {
      await service.removeGate(required(req.gateId, 'gate_id'));
      return {};
    }, onError),
    joinRoom: unary(async (req) => {
      await service.joinRoom(req.appId, required(req.roomId, 'room_id'), req.gateId);
      return {};
    }, onError),
    leaveRoom: unary(async (req) => {
      await service.leaveRoom(req.appId, required(req.roomId, 'room_id'), req.gateId);
      return {};
    }, onError),
    deliverToUsers: unary(
      async (req, call) => ({
        stats: await service.deliverToUsers(
          req.appId,
          req.packets.map((p) => ({
            userIds: p.userIds,
            packet: p.packet,
            ...(p.excludeDeviceId
              ? { exclude: { userId: p.excludeUserId, deviceId: p.excludeDeviceId } }
              : {}),
            ...(p.message.length > 0 ? { message: p.message, seqs: seqsOf(p.userIds, p.seqs) } : {}),
          })),
          call,
        ),
      }),
      onError,
    ),
    deliverToDevices: unary(
      async (req, call) => ({
        stats: await service.deliverToDevices(req.appId, req.devices, req.packet, call),
      }),
      onError,
    ),
    deliverToRoom: unary(
      async (req, call) => ({
        stats: await service.deliverToRoom(
          req.appId,
          required(req.roomId, 'room_id'),
          req.packet,
          {
            userId: checkLength(req.excludeUserId, INTERNAL_LIMITS.idLength, 'exclude_user_id'),
            deviceId: checkLength(req.excludeDeviceId, INTERNAL_LIMITS.idLength, 'exclude_device_id'),
          },
          checkRoomBurst(req.more),
          call,
        ),
      }),
      onError,
    ),
    deliverToTags: unary(
      async (req) => ({
        stats: await service.deliverToTags(
          req.appId,
          req.expression ?? { allOf: [], anyOf: [], noneOf: [] },
          req.packet,
        ),
      }),
      onError,
    ),
    deliverToAll: unary(
      async (req) => ({
        stats: await service.deliverToAll(req.appId, req.packet),
      }),
      onError,
    ),
    getPresence: unary(async (req) => {
      const bindings = await service.presence(req.appId, req.userIds);
      return {
        users: req.userIds.map((userId) => ({
          userId,
          devices: bindings.filter((b) => b.userId === userId).map(toMsg),
        })),
      };
    }, onError),
    getCounts: unary(
      async (req) =>
        service.counts(
          req.appId,
          checkLength(req.roomId, INTERNAL_LIMITS.roomIdLength, 'room_id'),
          checkLength(req.tag, INTERNAL_LIMITS.tagLength, 'tag'),
        ),
      onError,
    ),
    kickDevice: unary(
      async (req) => ({
        kicked: await service.kickDevice(req.appId, req.userId, req.deviceId, req.code, req.reason),
      }),
      onError,
    ),
    setUserTags: unary(
      async (req) =>
        service.setUserTags(
          required(req.appId, 'app_id'),
          required(req.userId, 'user_id'),
          checkTagSet(req.tags, 'tags'),
        ),
      onError,
    ),
    listGates: unary(async () => service.listGates(), onError),
    setUsersRoom: unary(
      async (req) =>
        service.setUsersRoom(
          required(req.appId, 'app_id'),
          checkRoomId(req.roomId, 'room_id'),
          checkUserIds(req.userIds),
          req.join,
        ),
      onError,
    ),
  };
}

/** The further packets of one DeliverToRoom: bounded in number, each exclusion an id. */
function checkRoomBurst(more: RoomPacket[]): RoomPacket[] {
  if (more.length > INTERNAL_LIMITS.packetsPerRoomPush) {
    throw new RpcError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `more holds at most ${INTERNAL_LIMITS.packetsPerRoomPush} packets`,
    );
  }
  for (const p of more) {
    checkLength(p.excludeUserId, INTERNAL_LIMITS.idLength, 'more.exclude_user_id');
    checkLength(p.excludeDeviceId, INTERNAL_LIMITS.idLength, 'more.exclude_device_id');
  }
  return more;
}
