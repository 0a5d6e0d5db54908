import { ErrorCode, type Packet, type SignInRequest, SignInResponse } from '@switchboard/proto/client';
import type { SignInResponse as LogicSignInResponse } from '@switchboard/proto/logic';
import { encodeToBuffer } from '@switchboard/proto/codec';
import { responsePacket } from '@switchboard/protocol';
import { checkRoomId } from '@switchboard/rpc';
import { ConnState, type Connection } from './connection.js';
import { errorOf, logDetailOf } from './error-of.js';
import { BUSY } from './request-errors.js';
import { joinRoomAt } from './room-subscriptions.js';
import type { SessionHost } from './session-host.js';
import { unbindAtRoute } from './sign-out.js';

/** Logic keeps the first 32 characters of a platform; so does the gate, for re-binds. */
const PLATFORM_MAX = 32;

/**
 * SIGN_IN on a connection that has not signed in yet (the dispatcher answers ALREADY_SIGNED_IN
 * otherwise): asks logic to authenticate and bind the device, then indexes the connection.
 */
export function signIn(host: SessionHost, conn: Connection, packet: Packet, request: SignInRequest): void {
  if (!host.admission.admit()) {
    host.closeWith(conn, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY);
    return;
  }
  conn.state = ConnState.SigningIn;
  askLogic(host, conn, packet, request, true);
}

/**
 * Sends the sign-in to logic. When route answers GATE_RESET it does not know this gate process
 * (its store lost the lease, or the first renewal is still on its way): renew the lease at once
 * and try once more, rather than failing sign-ins until the next periodic renewal.
 */
function askLogic(
  host: SessionHost,
  conn: Connection,
  packet: Packet,
  request: SignInRequest,
  mayRetry: boolean,
): void {
  host.logic
    .signIn({
      request,
      gateId: host.gateId,
      gateBootId: host.bootId,
      connId: conn.id,
      remoteAddress: conn.transport.remoteAddress,
    })
    .then(
      (res) => {
        host.admission.release();
        completeSignIn(host, conn, packet, request, res);
      },
      (err: unknown) => {
        host.admission.release();
        if (conn.closed) return;
        const { code, message, expected } = errorOf(err);
        const renew = host.renewLeaseNow;
        if (mayRetry && code === ErrorCode.ERROR_CODE_GATE_RESET && renew !== undefined) {
          const retry = () => {
            if (conn.closed) return;
            if (host.admission.admit()) askLogic(host, conn, packet, request, false);
            else host.closeWith(conn, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY);
          };
          renew().then(retry, retry);
          return;
        }
        if (!expected) host.logger.error({ conn: conn.id, err }, 'logic SignIn failed unexpectedly');
        host.counters.signInFailures++;
        host.closeWith(conn, code, message);
      },
    );
}

/** Logic accepted the sign-in: record who the connection is and answer the client. */
function completeSignIn(
  host: SessionHost,
  conn: Connection,
  packet: Packet,
  request: SignInRequest,
  res: LogicSignInResponse,
): void {
  const response = res.response ?? SignInResponse.create();
  const appId = res.appId || request.appId;
  const userId = response.userId || request.userId;
  const deviceId = response.deviceId || request.deviceId;
  if (conn.closed) {
    // The client left while logic was binding it: undo the binding it will never use.
    unbindAtRoute(host, { appId, userId, deviceId, epoch: res.epoch }, conn.id);
    host.logic
      .disconnect({
        session: { appId, userId, deviceId, gateId: host.gateId, connId: conn.id, epoch: res.epoch },
        code: 0,
      })
      .catch((err: unknown) =>
        host.warnRepeated('logic Disconnect failed', { conn: conn.id, err: logDetailOf(err) }),
      );
    return;
  }
  conn.appId = appId;
  conn.userId = userId;
  conn.deviceId = deviceId;
  conn.epoch = res.epoch;
  conn.platform = host.intern(request.platform.slice(0, PLATFORM_MAX));
  // Only what logic decided: a client cannot grant itself a tag (and the tag pushes it would get).
  host.tags.assign(conn, res.tags, res.serverTags);
  host.signedIn(conn);
  joinAssignedRooms(host, conn, res.rooms);
  const body: SignInResponse = {
    ...response,
    userId,
    deviceId,
    heartbeatIntervalMs: response.heartbeatIntervalMs || host.settings.heartbeatIntervalMs,
    serverTime: response.serverTime || host.clock.now(),
  };
  host.reply(conn, responsePacket(packet, encodeToBuffer(SignInResponse, body)));
}

/**
 * Indexes a just signed-in connection under the rooms logic assigned it (see RoomIndex), at once, so
 * that a push after the SIGN_IN answer reaches it; route is told of the gate's first subscribers in
 * the background. A room id logic should never send (empty, too long) is skipped with a warning.
 * When route refuses a join the connection is closed with route's error: its rooms are released
 * with it, and the client signs in again rather than silently missing its groups' pushes.
 */
function joinAssignedRooms(host: SessionHost, conn: Connection, rooms: readonly string[]): void {
  if (rooms.length === 0) return;
  const joins: Promise<void>[] = [];
  for (const roomId of new Set(rooms)) {
    try {
      checkRoomId(roomId, 'rooms');
    } catch (err) {
      host.warnRepeated('logic SignIn answered an invalid room id; skipped', { err: logDetailOf(err) });
      continue;
    }
    joins.push(joinRoomAt(host, conn.appId, roomId, [conn], true));
  }
  Promise.all(joins).catch((err: unknown) => {
    host.warnRepeated('route JoinRoom failed at sign-in', { conn: conn.id, err: logDetailOf(err) });
    const { code, message } = errorOf(err);
    host.closeWith(conn, code, message);
  });
}
