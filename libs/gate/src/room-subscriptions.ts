import {
  ErrorCode,
  type Packet,
  type SubscribeRoomRequest,
  type UnsubscribeRoomRequest,
} from '@switchboard/proto/client';
import { errorPacket, responsePacket } from '@switchboard/protocol';
import type { Connection } from './connection.js';
import { logDetailOf } from './error-of.js';
import { BUSY, replyError } from './request-errors.js';
import type { SessionHost } from './session-host.js';

/**
 * SUBSCRIBE_ROOM: logic checks the subscription, then the gate indexes the connection under the
 * room and, for the gate's first subscriber, tells route to push that room here.
 */
export function subscribeRoom(
  host: SessionHost,
  conn: Connection,
  packet: Packet,
  request: SubscribeRoomRequest,
): void {
  const roomId = request.roomId;
  if (roomId === '') {
    host.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'room_id is required'));
    return;
  }
  if (!host.limits.mayJoinRoom(conn, roomId)) {
    host.reply(
      conn,
      errorPacket(
        packet,
        ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
        'this connection subscribes to as many rooms as it may',
      ),
    );
    return;
  }
  if (!host.admission.admit()) {
    host.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY));
    return;
  }
  void joinRoom(host, conn, packet, roomId);
}

async function joinRoom(host: SessionHost, conn: Connection, packet: Packet, roomId: string): Promise<void> {
  const { logic, route, rooms, gateId } = host;
  try {
    try {
      await logic.subscribeRoom({ session: host.sessionOf(conn), roomId });
    } finally {
      host.admission.release();
    }
    if (conn.closed) return;
    if (rooms.has(conn.appId, roomId, conn)) {
      host.reply(conn, responsePacket(packet));
      return;
    }
    if (rooms.add(conn.appId, roomId, conn)) {
      try {
        await route.joinRoom({ appId: conn.appId, roomId, gateId });
      } catch (err) {
        // Without the join route never pushes this room here; undo and let the client retry.
        if (!conn.closed) leaveRoom(host, conn, roomId);
        throw err;
      }
    }
    if (!conn.closed) host.reply(conn, responsePacket(packet));
  } catch (err) {
    replyError(host, conn, packet, err);
  }
}

/** UNSUBSCRIBE_ROOM: answered at once; leaving a room the connection is not in is no error. */
export function unsubscribeRoom(
  host: SessionHost,
  conn: Connection,
  packet: Packet,
  request: UnsubscribeRoomRequest,
): void {
  leaveRoom(host, conn, request.roomId);
  host.reply(conn, responsePacket(packet));
}

/** Leaves a room on behalf of a connection; tells route when it was the gate's last subscriber. */
export function leaveRoom(host: SessionHost, conn: Connection, roomId: string): void {
  if (!host.rooms.remove(conn.appId, roomId, conn)) return;
  const { route, gateId } = host;
  route.leaveRoom({ appId: conn.appId, roomId, gateId }).catch((err: unknown) => {
    host.warnRepeated('route LeaveRoom failed', {
      app: conn.appId,
      room: roomId,
      err: logDetailOf(err),
    });
  });
}
