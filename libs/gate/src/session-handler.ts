import {
  AckRequest,
  ErrorCode,
  HistoryRequest,
  HistoryResponse,
  type Packet,
  PacketType,
  ReadRequest,
  SendRequest,
  SendResponse,
  SignInRequest,
  SignInResponse,
  SubscribeRoomRequest,
  SyncGroupRequest,
  SyncRequest,
  SyncResponse,
  UnsubscribeRoomRequest,
} from '@switchboard/proto/client';
import type { SignInResponse as LogicSignInResponse } from '@switchboard/proto/logic';
import type { UnbindRequest } from '@switchboard/proto/route';
import { decodeStrict, errorPacket, responsePacket, type MessageDecoder } from '@switchboard/protocol';
import { ConnState, type Connection } from './connection.js';
import { errorOf, logDetailOf } from './error-of.js';
import type { SessionHost } from './session-host.js';

const EMPTY = new Uint8Array(0);
/** What a request refused by admission control is told; RATE_LIMITED is retryable. */
const BUSY = 'server busy; retry after a short back-off';
/** Logic keeps the first 32 characters of a platform; so does the gate, for re-binds. */
const PLATFORM_MAX = 32;
/** Retries of an Unbind that found route unreachable: after 0.5, 1, 2 and 4 s. */
const UNBIND_RETRIES = 4;
const UNBIND_RETRY_BASE_MS = 500;

/**
 * The session state machine, once for every transport: what each PacketType does in each state.
 * Before sign-in only SIGN_IN and HEARTBEAT are accepted; requests are forwarded to logic with the
 * Session the gate recorded and answered with the same request id.
 */
export class SessionHandler {
  constructor(private readonly core: SessionHost) {}

  handle(conn: Connection, packet: Packet): void {
    switch (packet.type) {
      case PacketType.PACKET_TYPE_HEARTBEAT:
        this.core.reply(conn, responsePacket(packet));
        return;
      case PacketType.PACKET_TYPE_SIGN_IN:
        this.signIn(conn, packet);
        return;
    }
    if (!conn.signedIn) {
      this.core.closeWith(conn, ErrorCode.ERROR_CODE_NOT_SIGNED_IN, 'sign in first');
      return;
    }
    const logic = this.core.logic;
    switch (packet.type) {
      case PacketType.PACKET_TYPE_SEND:
        this.forward(
          conn,
          packet,
          SendRequest,
          async (session, request) => {
            const res = await logic.send({ session, request });
            return SendResponse.encode(res.response ?? SendResponse.create()).finish();
          },
          true,
        );
        return;
      case PacketType.PACKET_TYPE_SYNC:
        this.forward(conn, packet, SyncRequest, async (session, request) => {
          const res = await logic.sync({ session, request });
          return SyncResponse.encode(res.response ?? SyncResponse.create()).finish();
        });
        return;
      case PacketType.PACKET_TYPE_SYNC_GROUP:
        this.forward(conn, packet, SyncGroupRequest, async (session, request) => {
          const res = await logic.syncGroup({ session, request });
          return SyncResponse.encode(res.response ?? SyncResponse.create()).finish();
        });
        return;
      case PacketType.PACKET_TYPE_HISTORY:
        this.forward(conn, packet, HistoryRequest, async (session, request) => {
          const res = await logic.history({ session, request });
          return HistoryResponse.encode(res.response ?? HistoryResponse.create()).finish();
        });
        return;
      case PacketType.PACKET_TYPE_ACK:
        this.forward(conn, packet, AckRequest, async (session, request) => {
          await logic.ack({ session, request });
          return EMPTY;
        });
        return;
      case PacketType.PACKET_TYPE_READ:
        this.forward(conn, packet, ReadRequest, async (session, request) => {
          await logic.read({ session, request });
          return EMPTY;
        });
        return;
      case PacketType.PACKET_TYPE_SUBSCRIBE_ROOM:
        this.subscribe(conn, packet);
        return;
      case PacketType.PACKET_TYPE_UNSUBSCRIBE_ROOM:
        this.unsubscribe(conn, packet);
        return;
      default:
        // MESSAGE, KICKED, DISCONNECT are server-to-client only.
        this.core.reply(
          conn,
          errorPacket(
            packet,
            ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE,
            `packet type ${packet.type} is not a request`,
          ),
        );
    }
  }

  /** Leaves a room on behalf of a connection; tells route when it was the gate's last subscriber. */
  leaveRoom(conn: Connection, roomId: string): void {
    if (!this.core.rooms.remove(conn.appId, roomId, conn)) return;
    const { route, gateId } = this.core;
    route.leaveRoom({ appId: conn.appId, roomId, gateId }).catch((err: unknown) => {
      this.core.warnRepeated('route LeaveRoom failed', {
        app: conn.appId,
        room: roomId,
        err: logDetailOf(err),
      });
    });
  }

  /**
   * Unbinds a closed connection's device at route. A binding left behind would keep the device
   * "online" until its next sign-in or this gate's lease lapses, so an unreachable route is retried
   * a few times with back-off (a timer only while a retry is pending; the epoch makes a late unbind
   * harmless). Other failures are logged once.
   */
  private unbind(request: UnbindRequest, connId: number, attempt = 0): void {
    const { route } = this.core;
    route.unbind(request).catch((err: unknown) => {
      const e = errorOf(err);
      const transient =
        e.code === ErrorCode.ERROR_CODE_UNAVAILABLE || e.code === ErrorCode.ERROR_CODE_TIMEOUT;
      if (transient && attempt < UNBIND_RETRIES && !this.core.isDraining) {
        setTimeout(() => this.unbind(request, connId, attempt + 1), UNBIND_RETRY_BASE_MS << attempt).unref();
        return;
      }
      this.core.warnRepeated('route Unbind failed', {
        conn: connId,
        err: logDetailOf(err),
        attempts: attempt + 1,
      });
    });
  }

  /** A signed-in connection is gone: unbind at route (unless draining) and tell logic. */
  signedOut(conn: Connection, code: number, unbind: boolean): void {
    const { logic } = this.core;
    if (unbind) {
      this.unbind(
        { appId: conn.appId, userId: conn.userId, deviceId: conn.deviceId, epoch: conn.epoch },
        conn.id,
      );
    }
    logic
      .disconnect({ session: this.core.sessionOf(conn), code })
      .catch((err: unknown) =>
        this.core.warnRepeated('logic Disconnect failed', { conn: conn.id, err: logDetailOf(err) }),
      );
  }

  private signIn(conn: Connection, packet: Packet): void {
    if (conn.state !== ConnState.Open) {
      this.core.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_ALREADY_SIGNED_IN, 'already signed in'));
      return;
    }
    const request = decodeStrict(SignInRequest, packet.data);
    if (!request) {
      this.core.closeWith(conn, ErrorCode.ERROR_CODE_INVALID_PACKET, 'invalid SignInRequest payload');
      return;
    }
    if (!this.core.admission.admit()) {
      this.core.closeWith(conn, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY);
      return;
    }
    conn.state = ConnState.SigningIn;
    this.askLogic(conn, packet, request, true);
  }

  /**
   * Sends the sign-in to logic. When route answers GATE_RESET it does not know this gate process
   * (its store lost the lease, or the first renewal is still on its way): renew the lease at once
   * and try once more, rather than failing sign-ins until the next periodic renewal.
   */
  private askLogic(conn: Connection, packet: Packet, request: SignInRequest, mayRetry: boolean): void {
    const { core } = this;
    core.logic
      .signIn({
        request,
        gateId: core.gateId,
        gateBootId: core.bootId,
        connId: conn.id,
        remoteAddress: conn.transport.remoteAddress,
      })
      .then(
        (res) => {
          core.admission.release();
          this.signedIn(conn, packet, request, res);
        },
        (err: unknown) => {
          core.admission.release();
          if (conn.closed) return;
          const { code, message, expected } = errorOf(err);
          const renew = core.renewLeaseNow;
          if (mayRetry && code === ErrorCode.ERROR_CODE_GATE_RESET && renew !== undefined) {
            const retry = () => {
              if (conn.closed) return;
              if (core.admission.admit()) this.askLogic(conn, packet, request, false);
              else core.closeWith(conn, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY);
            };
            renew().then(retry, retry);
            return;
          }
          if (!expected) core.logger.error({ conn: conn.id, err }, 'logic SignIn failed unexpectedly');
          core.counters.signInFailures++;
          core.closeWith(conn, code, message);
        },
      );
  }

  private signedIn(conn: Connection, packet: Packet, request: SignInRequest, res: LogicSignInResponse): void {
    const response = res.response ?? SignInResponse.create();
    const appId = res.appId || request.appId;
    const userId = response.userId || request.userId;
    const deviceId = response.deviceId || request.deviceId;
    if (conn.closed) {
      // The client left while logic was binding it: undo the binding it will never use.
      const { logic, gateId } = this.core;
      this.unbind({ appId, userId, deviceId, epoch: res.epoch }, conn.id);
      logic
        .disconnect({
          session: { appId, userId, deviceId, gateId, connId: conn.id, epoch: res.epoch },
          code: 0,
        })
        .catch((err: unknown) =>
          this.core.warnRepeated('logic Disconnect failed', { conn: conn.id, err: logDetailOf(err) }),
        );
      return;
    }
    conn.appId = appId;
    conn.userId = userId;
    conn.deviceId = deviceId;
    conn.epoch = res.epoch;
    conn.platform = this.core.intern(request.platform.slice(0, PLATFORM_MAX));
    // Only what logic decided: a client cannot grant itself a tag (and the tag pushes it would get).
    this.core.tags.assign(conn, res.tags, res.serverTags);
    this.core.signedIn(conn);
    const body: SignInResponse = {
      ...response,
      userId,
      deviceId,
      heartbeatIntervalMs: response.heartbeatIntervalMs || this.core.settings.heartbeatIntervalMs,
      serverTime: response.serverTime || this.core.clock.now(),
    };
    this.core.reply(conn, responsePacket(packet, SignInResponse.encode(body).finish()));
  }

  private forward<Req>(
    conn: Connection,
    packet: Packet,
    type: MessageDecoder<Req>,
    run: (session: ReturnType<SessionHost['sessionOf']>, request: Req) => Promise<Uint8Array>,
    /** A send: refused here while logic is saturated (see Admission.admitSend). */
    isSend = false,
  ): void {
    const request = decodeStrict(type, packet.data);
    if (request === undefined) {
      this.core.closeWith(
        conn,
        ErrorCode.ERROR_CODE_INVALID_PACKET,
        `invalid payload for packet type ${packet.type}`,
      );
      return;
    }
    if (!(isSend ? this.core.admission.admitSend() : this.core.admission.admit())) {
      this.core.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY));
      return;
    }
    run(this.core.sessionOf(conn), request).then(
      (data) => {
        this.core.admission.release();
        if (isSend) this.core.admission.sendAnswered('ok');
        if (!conn.closed) this.core.reply(conn, responsePacket(packet, data));
      },
      (err: unknown) => {
        this.core.admission.release();
        if (isSend)
          this.core.admission.sendAnswered(
            errorOf(err).code === ErrorCode.ERROR_CODE_RATE_LIMITED ? 'busy' : 'failed',
          );
        this.replyError(conn, packet, err);
      },
    );
  }

  private replyError(conn: Connection, packet: Packet, err: unknown): void {
    const { code, message, expected } = errorOf(err);
    if (!expected)
      this.core.logger.error(
        { conn: conn.id, type: packet.type, code, err, detail: logDetailOf(err) },
        'request failed unexpectedly',
      );
    if (!conn.closed) this.core.reply(conn, errorPacket(packet, code, message));
  }

  private subscribe(conn: Connection, packet: Packet): void {
    const request = decodeStrict(SubscribeRoomRequest, packet.data);
    if (request === undefined) {
      this.core.closeWith(conn, ErrorCode.ERROR_CODE_INVALID_PACKET, 'invalid SubscribeRoomRequest payload');
      return;
    }
    const roomId = request.roomId;
    if (roomId === '') {
      this.core.reply(
        conn,
        errorPacket(packet, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'room_id is required'),
      );
      return;
    }
    const { logic, route, rooms, gateId } = this.core;
    if (!this.core.limits.mayJoinRoom(conn, roomId)) {
      this.core.reply(
        conn,
        errorPacket(
          packet,
          ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
          'this connection subscribes to as many rooms as it may',
        ),
      );
      return;
    }
    if (!this.core.admission.admit()) {
      this.core.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY));
      return;
    }
    void (async () => {
      try {
        try {
          await logic.subscribeRoom({ session: this.core.sessionOf(conn), roomId });
        } finally {
          this.core.admission.release();
        }
        if (conn.closed) return;
        if (rooms.has(conn.appId, roomId, conn)) {
          this.core.reply(conn, responsePacket(packet));
          return;
        }
        if (rooms.add(conn.appId, roomId, conn)) {
          try {
            await route.joinRoom({ appId: conn.appId, roomId, gateId });
          } catch (err) {
            // Without the join route never pushes this room here; undo and let the client retry.
            if (!conn.closed) this.leaveRoom(conn, roomId);
            throw err;
          }
        }
        if (!conn.closed) this.core.reply(conn, responsePacket(packet));
      } catch (err) {
        this.replyError(conn, packet, err);
      }
    })();
  }

  private unsubscribe(conn: Connection, packet: Packet): void {
    const request = decodeStrict(UnsubscribeRoomRequest, packet.data);
    if (request === undefined) {
      this.core.closeWith(
        conn,
        ErrorCode.ERROR_CODE_INVALID_PACKET,
        'invalid UnsubscribeRoomRequest payload',
      );
      return;
    }
    this.leaveRoom(conn, request.roomId);
    this.core.reply(conn, responsePacket(packet));
  }
}
