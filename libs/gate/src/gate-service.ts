import type { ErrorCode } from '@switchboard/proto/client';
import {
  type BroadcastRequest,
  type BroadcastResponse,
  type CountRequest,
  type CountResponse,
  type DeliverRequest,
  type DeliverResponse,
  type GateServiceServer,
  type KickRequest,
  type KickResponse,
  type PushRoomRequest,
  type PushRoomResponse,
  type PushTagsRequest,
  type PushTagsResponse,
  type SetRoomRequest,
  type SetRoomResponse,
  type SetTagsRequest,
  type SetTagsResponse,
  type StatsRequest,
  type StatsResponse,
} from '@switchboard/proto/conn';
import type { Logger } from '@switchboard/log';
import { checkLength, checkRoomId, checkTagSet, INTERNAL_LIMITS, unary } from '@switchboard/rpc';
import type { Fanout } from './fanout.js';
import type { GateStats } from './stats.js';

/**
 * The GateService route calls. Handlers only translate between generated types and the core's
 * delivery methods.
 */
export function gateServiceImplementation(
  fanout: Fanout,
  stats: () => GateStats,
  logger: Logger,
): GateServiceServer {
  const onError = (err: unknown) => logger.error({ err }, 'GateService handler failed');
  return {
    deliver: unary<DeliverRequest, DeliverResponse>(
      async (req) => fanout.deliver(req.appId, req.bootId, req.deliveries),
      onError,
    ),
    pushRoom: unary<PushRoomRequest, PushRoomResponse>(
      async (req) => ({
        delivered: fanout.pushRoom(
          req.appId,
          req.roomId,
          req.packet,
          req.excludeUserId,
          req.excludeDeviceId,
          req.more,
        ),
      }),
      onError,
    ),
    pushTags: unary<PushTagsRequest, PushTagsResponse>(
      async (req) => ({
        delivered: fanout.pushTags(
          req.appId,
          {
            allOf: req.expression?.allOf ?? [],
            anyOf: req.expression?.anyOf ?? [],
            noneOf: req.expression?.noneOf ?? [],
          },
          req.packet,
        ),
      }),
      onError,
    ),
    broadcast: unary<BroadcastRequest, BroadcastResponse>(
      async (req) => ({ delivered: fanout.broadcast(req.appId, req.packet) }),
      onError,
    ),
    kick: unary<KickRequest, KickResponse>(
      async (req) => ({ kicked: fanout.kick(req, req.code as ErrorCode, req.reason) }),
      onError,
    ),
    count: unary<CountRequest, CountResponse>(
      async (req) =>
        fanout.count(
          req.appId,
          checkLength(req.roomId, INTERNAL_LIMITS.roomIdLength, 'room_id'),
          checkLength(req.tag, INTERNAL_LIMITS.tagLength, 'tag'),
        ),
      onError,
    ),
    setTags: unary<SetTagsRequest, SetTagsResponse>(
      async (req) => fanout.setTags(req.appId, req.bootId, req.targets, checkTagSet(req.tags, 'tags')),
      onError,
    ),
    setRoom: unary<SetRoomRequest, SetRoomResponse>(
      async (req) =>
        fanout.setRoom(req.appId, req.bootId, req.targets, checkRoomId(req.roomId, 'room_id'), req.join),
      onError,
    ),
    stats: unary<StatsRequest, StatsResponse>(async () => {
      const s = stats();
      return {
        gateId: s.gateId,
        connections: s.connections,
        signedIn: s.signedIn,
        rooms: s.rooms,
        packetsIn: s.packetsIn,
        packetsOut: s.packetsOut,
        bytesOut: s.bytesOut,
        slowCloses: s.slowCloses,
        startedAt: s.startedAt,
      };
    }, onError),
  };
}
