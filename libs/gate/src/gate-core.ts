import { randomBytes } from 'node:crypto';
import { ErrorCode, PacketType, type Packet } from '@switchboard/proto/client';
import type { Session } from '@switchboard/proto/logic';
import {
  closePacket,
  decodePacket,
  packetFromJson,
  pushPacket,
  WS_SUBPROTOCOL_JSON,
} from '@switchboard/protocol';
import { LogSummary, type Logger } from '@switchboard/log';
import { fillBucket, takeToken } from '@switchboard/rpc';
import { Admission } from './admission.js';
import { systemClock, type Clock } from './clock.js';
import { ConnectionLimits } from './connection-limits.js';
import { type Connection, ConnState, TransportConnection } from './connection.js';
import { dispatchPacket, refuseNonRequest } from './dispatch-packet.js';
import { EncodedPacket, encodeFor } from './encoded-packet.js';
import { GateCounters, PACKET_TYPE_SLOTS } from './metrics.js';
import { OutboundQueue, type Scheduler } from './outbound-queue.js';
import type { GateRoutePort, LogicPort } from './ports.js';
import { Registry } from './registry.js';
import { RoomIndex } from './room-index.js';
import { leaveRoom } from './room-subscriptions.js';
import type { SessionHost } from './session-host.js';
import type { GateSettings } from './settings.js';
import { signOut } from './sign-out.js';
import { TagIndex } from './tag-index.js';
import { TimerWheel } from './timer-wheel.js';
import { isJsonFormat, WireFormat, type Transport } from './transport.js';

export interface GateCoreOptions {
  gateId: string;
  /** Id of this gate process; defaults to a random one (what a real gate always wants). */
  bootId?: string;
  settings: GateSettings;
  logic: LogicPort;
  route: GateRoutePort;
  logger: Logger;
  /** Defaults to the wall clock. */
  clock?: Clock;
  /** Runs the batched flush; defaults to `setImmediate`. */
  schedule?: Scheduler;
  /** Resolution of the idle/sign-in timer wheel (ms); default 1000. */
  wheelTickMs?: number;
}

// Codes caused by the client misbehaving: logged at warn, the rest at info.
const CLIENT_FAULTS: ReadonlySet<number> = new Set([
  ErrorCode.ERROR_CODE_BAD_FRAME,
  ErrorCode.ERROR_CODE_FRAME_TOO_LARGE,
  ErrorCode.ERROR_CODE_INVALID_PACKET,
  ErrorCode.ERROR_CODE_NOT_SIGNED_IN,
  ErrorCode.ERROR_CODE_FLOOD,
  ErrorCode.ERROR_CODE_SLOW_CONSUMER,
  ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE,
]);

/**
 * The transport-agnostic heart of a gateway: connection lifecycle, the session state machine (via
 * {@link dispatchPacket} and the handlers its table names), timeouts on one shared timer wheel,
 * rate limits, the batched outbound queue, and the indexes that fan-out uses. Transports call {@link open}, {@link receive},
 * {@link protocolError} and {@link transportClosed}; the GateService calls the delivery methods
 * (see fanout.ts).
 */
export class GateCore implements SessionHost {
  readonly gateId: string;
  /**
   * Random id of this process, sent with the lease. Connection ids restart at 1 in every process,
   * so route names a connection by (gateId, bootId, connId), and calls for another boot id are
   * refused: a restarted gate never writes a dead process's pushes to its own connections.
   */
  readonly bootId: string;
  /** Unix milliseconds this process's gate started (its age in the admin console). */
  readonly startedAt = Date.now();
  /**
   * Renews the lease at once (and re-binds if route had lost it); set by the gate once its lease
   * keeper runs. Sign-in uses it when route answers that it does not know this gate process.
   */
  renewLeaseNow: (() => Promise<void>) | undefined = undefined;
  readonly settings: GateSettings;
  readonly logic: LogicPort;
  readonly route: GateRoutePort;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly counters = new GateCounters();
  /** Admission control of the requests forwarded to logic. */
  readonly admission: Admission;
  /** Connections per gate and per address, connect rate, rooms per connection. */
  readonly limits: ConnectionLimits;
  readonly registry = new Registry();
  readonly rooms = new RoomIndex();
  readonly tags = new TagIndex();
  readonly outbound: OutboundQueue;
  private readonly wheel: TimerWheel<Connection>;
  /** Connections the core released whose transport has not reported its close yet. */
  private readonly closing = new Set<Connection>();
  private closingWaiters: (() => void)[] = [];
  /**
   * Connection times (activity, deadlines, rate-limit refills) are ms since this wall-clock
   * instant, a multiple of the wheel tick so that ticks fall where they would on the wall clock.
   * V8 keeps a small integer inline in each Connection, where a `Date.now()`-sized number takes a
   * 16-byte box per field per connection. After about 24 days the offsets outgrow 32 bits and are
   * boxed again: more memory, same behaviour.
   */
  private readonly timeBase: number;
  private nextId = 1;
  private draining = false;
  /** One summary per kind of upstream failure, so that an outage logs a few lines, not one per connection. */
  private readonly summaries = new Map<string, LogSummary>();
  /** One shared copy of each platform string (a handful of distinct values across all connections). */
  private readonly platforms = new Map<string, string>();
  private readonly syncHint = EncodedPacket.of(pushPacket(PacketType.PACKET_TYPE_SYNC_HINT));

  constructor(options: GateCoreOptions) {
    this.gateId = options.gateId;
    this.bootId = options.bootId ?? randomBytes(12).toString('base64url');
    this.settings = options.settings;
    this.logic = options.logic;
    this.route = options.route;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.admission = new Admission(options.settings, this.counters, this.clock);
    this.limits = new ConnectionLimits(options.settings, this.counters);
    const tickMs = options.wheelTickMs ?? 1000;
    this.timeBase = Math.floor(this.clock.now() / tickMs) * tickMs;
    this.outbound = new OutboundQueue(
      options.settings.sendQueueMaxBytes,
      this.counters,
      (conn) => this.cutOffSlow(conn),
      options.schedule,
    );
    this.wheel = new TimerWheel<Connection>({
      tickMs,
      slots: 512,
      startAt: this.connTime(),
      onDue: (conn, now) => this.onDeadline(conn, now),
    });
  }

  /** Now on the connection clock (see {@link timeBase}). */
  private connTime(): number {
    const t = this.clock.now() - this.timeBase;
    // The subtraction yields a double even when it is whole; `| 0` hands V8 the same value as an
    // int32, which it stores inline. Values it would change (fractions, beyond 32 bits) pass as is.
    const int = t | 0;
    return int === t ? int : t;
  }

  /** True once {@link shutdown} has begun. */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Registers a new transport; the connection must sign in within `signInTimeoutMs`. One the
   * connection limits refuse (see ConnectionLimits) is closed at once with TOO_MANY_CONNECTIONS.
   */
  open(transport: Transport): Connection {
    return this.openConnection(new TransportConnection(this.nextId++, transport, this.connTime()));
  }

  /** The id of the next connection, for a transport that builds its own (see {@link openConnection}). */
  newConnectionId(): number {
    return this.nextId++;
  }

  /** Now on the connection clock: the `now` a connection is built with. */
  connectionNow(): number {
    return this.connTime();
  }

  /**
   * {@link open} for a connection its transport built, a Connection subclass that is its own
   * Transport, with an id from {@link newConnectionId} and the time from {@link connectionNow}.
   */
  openConnection<C extends Connection>(conn: C): C {
    const now = conn.lastActivity;
    const refused = this.limits.admit(conn.transport, this.registry.size, now);
    fillBucket(conn, this.settings.rateLimit, now);
    this.registry.add(conn);
    this.wheel.schedule(conn, now + this.settings.signInTimeoutMs);
    this.counters.connectionsOpened++;
    if (refused !== undefined) this.closeWith(conn, ErrorCode.ERROR_CODE_TOO_MANY_CONNECTIONS, refused);
    return conn;
  }

  /**
   * One inbound Packet: a frame body (TCP), a binary message (WS) or a text message (WS JSON).
   * Every inbound packet counts as activity and costs a rate-limit token.
   */
  receive(conn: Connection, data: Buffer | string): void {
    if (conn.closed) return;
    this.counters.packetsIn++;
    const now = this.connTime();
    conn.lastActivity = now;
    if (!takeToken(conn, this.settings.rateLimit, now)) {
      this.counters.floodCloses++;
      this.closeWith(conn, ErrorCode.ERROR_CODE_FLOOD, 'packet rate limit exceeded');
      return;
    }
    const result = isJsonFormat(conn.format)
      ? packetFromJson(typeof data === 'string' ? data : data.toString('utf8'))
      : decodePacket(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    this.counters.countIn(result.packet?.type ?? PACKET_TYPE_SLOTS - 1);
    if (result.ok) {
      dispatchPacket(this, conn, result.packet);
    } else if (result.packet && result.error.code === ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE) {
      refuseNonRequest(this, conn, result.packet, result.error.message);
    } else {
      this.closeWith(conn, result.error.code, undecodable(conn.format, data, result.error.message));
    }
  }

  /** The transport found bad framing or an oversized message: close with that code. */
  protocolError(conn: Connection, code: ErrorCode, message: string): void {
    this.closeWith(conn, code, message);
  }

  /** The transport is gone (peer hung up, or the close the core asked for completed). */
  transportClosed(conn: Connection): void {
    if (!conn.closed) {
      this.outbound.discard(conn);
      this.release(conn, 0);
      // No peer address: the transport is closed and need not know it any more (see Transport).
      this.logger.debug(
        { conn: conn.id, app: conn.appId || undefined, user: conn.userId || undefined },
        'client closed',
      );
    }
    if (this.closing.delete(conn) && this.closing.size === 0) this.wakeClosingWaiters();
  }

  /** Encodes a packet for this one connection and queues it. */
  reply(conn: Connection, packet: Packet): void {
    if (this.outbound.enqueue(conn, encodeFor(conn.format, packet))) this.counters.countOut(packet.type);
  }

  /**
   * Server-initiated close: writes what is queued plus a DISCONNECT (or KICKED) packet with `code`,
   * closes the transport with that code and logs one line. Does nothing if already closed.
   */
  closeWith(conn: Connection, code: ErrorCode, message: string, type?: PacketType): void {
    if (conn.closed) return;
    const packet = closePacket(code, message);
    if (type !== undefined) packet.type = type;
    const chunk = encodeFor(conn.format, packet);
    this.counters.countOut(packet.type);
    this.outbound.append(conn, chunk);
    this.outbound.flush(conn);
    this.logClose(conn, code, message);
    this.release(conn, code);
    this.closing.add(conn);
    conn.transport.close(code, message);
  }

  /** Advances the timer wheel: closes connections past their sign-in or idle deadline. */
  tick(now: number = this.clock.now()): void {
    const t = now - this.timeBase;
    this.wheel.advance(t);
    this.limits.prune(t);
  }

  /** The Session logic expects for a signed-in connection. */
  sessionOf(conn: Connection): Session {
    return {
      appId: conn.appId,
      userId: conn.userId,
      deviceId: conn.deviceId,
      gateId: this.gateId,
      connId: conn.id,
      epoch: conn.epoch,
    };
  }

  /** The shared copy of a platform string; values past the first 256 distinct ones are kept as given. */
  intern(platform: string): string {
    const shared = this.platforms.get(platform);
    if (shared !== undefined) return shared;
    if (this.platforms.size < 256) this.platforms.set(platform, platform);
    return platform;
  }

  /**
   * Logs a failure that can repeat once per connection (an upstream call failing during an outage)
   * as one line per 10 s per message, with a count and the latest fields as a sample.
   */
  warnRepeated(msg: string, fields: Record<string, unknown>): void {
    let summary = this.summaries.get(msg);
    if (summary === undefined) this.summaries.set(msg, (summary = new LogSummary(this.logger, msg)));
    summary.add(fields);
  }

  /** Queues a SYNC_HINT push: pushes to this connection may have been lost, so it should sync. */
  hintSync(conn: Connection): void {
    const chunk = this.syncHint.chunkFor(conn.format);
    if (chunk !== undefined && conn.signedIn && this.outbound.enqueue(conn, chunk)) {
      this.counters.syncHints++;
      this.counters.countOut(PacketType.PACKET_TYPE_SYNC_HINT);
    }
  }

  /** Marks a connection signed in and indexes it; called by sign-in. */
  signedIn(conn: Connection): void {
    conn.state = ConnState.SignedIn;
    // A newer sign-in of the same device on this gate replaces the old connection at once; route
    // would kick it too, but by then the client could have seen a push twice.
    const previous = this.registry.byDeviceOf(conn.appId, conn.userId, conn.deviceId);
    if (previous && previous !== conn && !previous.closed && previous.epoch < conn.epoch) {
      this.closeWith(previous, ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE, 'signed in on another connection');
    }
    this.registry.indexSignedIn(conn);
    this.tags.add(conn.appId, conn);
    this.counters.signIns++;
    this.wheel.schedule(conn, conn.lastActivity + this.settings.heartbeatTimeoutMs);
  }

  /**
   * Closes every connection with `code` (SERVER_SHUTDOWN on drain). Per-connection route unbinds
   * are skipped from now on: the draining gate removes all its bindings with one RemoveGate.
   */
  shutdown(code: ErrorCode, message: string): void {
    this.draining = true;
    for (const conn of [...this.registry.all()]) this.closeWith(conn, code, message);
  }

  /**
   * Resolves when every closing transport has reported its close, or after `timeoutMs`, when the
   * remaining ones are destroyed.
   */
  async waitForClosed(timeoutMs: number): Promise<void> {
    if (this.closing.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.closingWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const conn of this.closing) conn.transport.destroy();
    this.closing.clear();
  }

  private wakeClosingWaiters(): void {
    const waiters = this.closingWaiters;
    this.closingWaiters = [];
    for (const wake of waiters) wake();
  }

  private onDeadline(conn: Connection, now: number): void {
    if (conn.closed) return;
    if (conn.state !== ConnState.SignedIn) {
      this.closeWith(conn, ErrorCode.ERROR_CODE_SIGN_IN_TIMEOUT, 'no sign-in within the timeout');
      return;
    }
    const due = conn.lastActivity + this.settings.heartbeatTimeoutMs;
    if (due <= now)
      this.closeWith(conn, ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT, 'no heartbeat within the timeout');
    else this.wheel.schedule(conn, due);
  }

  private cutOffSlow(conn: Connection): void {
    if (conn.closed) return;
    this.counters.slowCloses++;
    this.outbound.discard(conn);
    const message = 'send queue overflowed';
    this.logClose(conn, ErrorCode.ERROR_CODE_SLOW_CONSUMER, message);
    this.release(conn, ErrorCode.ERROR_CODE_SLOW_CONSUMER);
    // No goodbye packet: the queue is full, and waiting for a flush is what must not happen.
    conn.transport.destroy();
  }

  private logClose(conn: Connection, code: ErrorCode, reason: string): void {
    this.counters.countClose(code);
    const fields = {
      conn: conn.id,
      remote: conn.transport.remoteAddress,
      code,
      codeName: ErrorCode[code],
      reason,
      app: conn.appId || undefined,
      user: conn.userId || undefined,
      device: conn.deviceId || undefined,
    };
    if (CLIENT_FAULTS.has(code)) this.logger.warn(fields, 'connection closed');
    else this.logger.info(fields, 'connection closed');
  }

  /** Drops a connection from every index and tells route and logic it is gone. */
  private release(conn: Connection, code: number): void {
    const wasSignedIn = conn.state === ConnState.SignedIn;
    conn.state = ConnState.Closed;
    this.wheel.cancel(conn);
    this.registry.remove(conn);
    this.limits.release(conn.transport);
    if (!wasSignedIn) return;
    this.tags.remove(conn.appId, conn);
    if (conn.rooms) {
      for (const roomId of [...conn.rooms]) void leaveRoom(this, conn, roomId);
    }
    signOut(this, conn, code, !this.draining);
  }
}

/**
 * Why an inbound packet did not decode, led by the message's kind when it was not the one the
 * connection takes (a WebSocket text message on the protobuf subprotocol, a binary one on the JSON
 * subprotocol): the decoder's own words ("cant skip wire type 4") do not say that.
 */
function undecodable(format: WireFormat, data: Buffer | string, reason: string): string {
  if (typeof data === 'string' && !isJsonFormat(format))
    return `a text message, where this connection takes binary protobuf Packets (JSON text needs the ${WS_SUBPROTOCOL_JSON} subprotocol): ${reason}`;
  if (typeof data !== 'string' && format === WireFormat.WsText)
    return `a binary message, where this connection takes Packet JSON as text messages: ${reason}`;
  return reason;
}
