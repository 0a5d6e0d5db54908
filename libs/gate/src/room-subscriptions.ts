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
  if (!host.limits.mayJoinRoom(conn, roomId, host.rooms.assignedCount(conn))) {
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
  try {
    try {
      await host.logic.subscribeRoom({ session: host.sessionOf(conn), roomId });
    } finally {
      host.admission.release();
    }
    if (conn.closed) return;
    // Without the join route never pushes this room here: joinRoomAt undoes, the client may retry.
    await joinRoomAt(host, conn.appId, roomId, [conn], false);
    if (!conn.closed) host.reply(conn, responsePacket(packet));
  } catch (err) {
    replyError(host, conn, packet, err);
  }
}

/**
 * Indexes connections of app `appId` under a room (marked server-assigned with `assigned`) and, when
 * this gives the gate its first subscriber, tells route to push the room here. Indexing happens
 * before the first await, so a push sent after this call returns its promise already reaches them.
 * When route refuses, the connections this call added are taken out again and the error is rethrown:
 * the index never holds a room route does not push here.
 */
export async function joinRoomAt(
  host: SessionHost,
  appId: string,
  roomId: string,
  conns: readonly Connection[],
  assigned: boolean,
): Promise<void> {
  const added: Connection[] = [];
  let first = false;
  for (const conn of conns) {
    if (!host.rooms.has(appId, roomId, conn)) added.push(conn);
    if (host.rooms.add(appId, roomId, conn, assigned)) first = true;
  }
  if (!first) return;
  try {
    await host.route.joinRoom({ appId, roomId, gateId: host.gateId });
  } catch (err) {
    for (const conn of added) if (!conn.closed) void leaveRoom(host, conn, roomId);
    throw err;
  }
}

/**
 * UNSUBSCRIBE_ROOM: answered at once; leaving a room the connection is not in is no error, and a
 * server-assigned room (see RoomIndex) stays: the server put the connection there, it takes it out.
 */
export function unsubscribeRoom(
  host: SessionHost,
  conn: Connection,
  packet: Packet,
  request: UnsubscribeRoomRequest,
): void {
  if (!host.rooms.isAssigned(conn, request.roomId)) void leaveRoom(host, conn, request.roomId);
  host.reply(conn, responsePacket(packet));
}

/**
 * Leaves a room on behalf of a connection (server-assigned or not) at once; tells route when it was
 * the gate's last subscriber. The promise (which never rejects: a failure is logged) settles once
 * route has answered; only a caller that reports completion (SetRoom) waits for it.
 */
export function leaveRoom(host: SessionHost, conn: Connection, roomId: string): Promise<void> {
  if (!host.rooms.remove(conn.appId, roomId, conn)) return Promise.resolve();
  const { route, gateId } = host;
  return route.leaveRoom({ appId: conn.appId, roomId, gateId }).then(
    () => undefined,
    (err: unknown) => {
      host.warnRepeated('route LeaveRoom failed', {
        app: conn.appId,
        room: roomId,
        err: logDetailOf(err),
      });
    },
  );
}
