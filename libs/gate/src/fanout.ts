import { ErrorCode, PacketType } from '@switchboard/proto/client';
import type { RoomPacket } from '@switchboard/proto/conn';
import { asBuffer, seqOffset } from '@switchboard/protocol';
import type { Connection } from './connection.js';
import { EncodedPacket } from './encoded-packet.js';
import { messagePushChunk } from './message-push-chunk.js';
import type { GateCore } from './gate-core.js';
import { joinRoomAt, leaveRoom } from './room-subscriptions.js';
import type { TagQuery } from './tag-index.js';
import type { WireChunk } from './transport.js';

/** One connection a delivery is addressed to, and whose route believes it is; epoch 0 means any epoch. */
export interface DeliveryTarget {
  connId: number;
  epoch: number;
  userId: string;
  deviceId: string;
  /** The user's inbox seq, in a Delivery of a `message`. */
  seq?: number;
}

/** Who a kick is meant for: route's view of the connection, checked before anything is written. */
export interface KickTarget {
  bootId: string;
  connId: number;
  /** 0 means any epoch. */
  epoch: number;
  appId: string;
  userId: string;
  deviceId: string;
}

/** One encoded client Packet and the connections that get it (the `Delivery` of a Deliver call). */
export interface Delivery {
  packet: Uint8Array;
  targets: readonly DeliveryTarget[];
  /**
   * Set (not empty) instead of `packet`: a Message encoded without a seq, of which each target gets
   * the MESSAGE push carrying its own `seq` (a small group's message, one delivery for its members).
   */
  message?: Uint8Array;
}

/**
 * Deliveries from route to the connections of this gate. Each packet is encoded at most once per
 * wire format and the same bytes object is queued on every target; queueing never waits on a
 * slow connection (see OutboundQueue).
 */
export class Fanout {
  constructor(private readonly core: GateCore) {}

  /**
   * Queues each packet on its targets, all of app `appId` and bound on this process (`bootId`).
   * A target is missing unless its connection is signed in as exactly that app, user and device
   * with that epoch: route's view may be stale (a gate restarted under the same id reuses
   * connection ids), and a push must never reach another user's connection. A call for another
   * boot id delivers nothing.
   */
  deliver(
    appId: string,
    bootId: string,
    deliveries: readonly Delivery[],
  ): { delivered: number; missing: number } {
    let delivered = 0;
    let missing = 0;
    const { counters } = this.core;
    if (bootId !== this.core.bootId) {
      counters.staleBootCalls++;
      for (const delivery of deliveries) missing += delivery.targets.length;
      return { delivered, missing };
    }
    for (const delivery of deliveries) {
      if (delivery.message !== undefined && delivery.message.length > 0) {
        const message = asBuffer(delivery.message);
        const seqAt = seqOffset(message);
        // A user's devices are consecutive targets with the same seq: one chunk for them all.
        let chunk: WireChunk | undefined;
        let chunkSeq = -1;
        let chunkFormat = -1;
        for (const target of delivery.targets) {
          const conn = this.targetConnection(appId, target);
          if (!conn) {
            missing++;
            continue;
          }
          const seq = target.seq ?? 0;
          if (seq !== chunkSeq || conn.format !== chunkFormat) {
            chunk = messagePushChunk(conn.format, message, seq, seqAt);
            chunkSeq = seq;
            chunkFormat = conn.format;
          }
          if (this.sendChunk(conn, chunk, PacketType.PACKET_TYPE_MESSAGE)) delivered++;
        }
        continue;
      }
      const encoded = EncodedPacket.fromBytes(delivery.packet);
      for (const target of delivery.targets) {
        const conn = this.targetConnection(appId, target);
        if (!conn) missing++;
        else if (this.send(conn, encoded)) delivered++;
      }
    }
    return { delivered, missing };
  }

  /**
   * Replaces the server-granted tags of each target (checked exactly like {@link deliver}'s) with
   * `tags`; the tags a connection got at sign-in stay. A call for another boot id updates nothing.
   */
  setTags(
    appId: string,
    bootId: string,
    targets: readonly DeliveryTarget[],
    tags: readonly string[],
  ): { updated: number; missing: number } {
    this.core.counters.setTagsCalls++;
    if (bootId !== this.core.bootId) {
      this.core.counters.staleBootCalls++;
      return { updated: 0, missing: targets.length };
    }
    let updated = 0;
    for (const target of targets) {
      const conn = this.targetConnection(appId, target);
      if (!conn) continue;
      this.core.tags.setServerTags(conn.appId, conn, tags);
      updated++;
    }
    return { updated, missing: targets.length - updated };
  }

  /**
   * Puts each target (checked exactly like {@link deliver}'s) into room `roomId` as a server-assigned
   * room (see RoomIndex), or takes it out; the answer waits for route to hear of the gate's first
   * subscriber (JoinRoom) or last one (LeaveRoom). When route refuses a join, nothing was joined and
   * the call fails; a failed leave is logged (the gate then gets pushes it has no subscriber for).
   * Idempotent: `updated` counts the targets found, whether or not they were already in (or out).
   * A call for another boot id updates nothing.
   */
  async setRoom(
    appId: string,
    bootId: string,
    targets: readonly DeliveryTarget[],
    roomId: string,
    join: boolean,
  ): Promise<{ updated: number; missing: number }> {
    this.core.counters.setRoomCalls++;
    if (bootId !== this.core.bootId) {
      this.core.counters.staleBootCalls++;
      return { updated: 0, missing: targets.length };
    }
    const conns: Connection[] = [];
    for (const target of targets) {
      const conn = this.targetConnection(appId, target);
      if (conn) conns.push(conn);
    }
    if (join) await joinRoomAt(this.core, appId, roomId, conns, true);
    else await Promise.all(conns.map((conn) => leaveRoom(this.core, conn, roomId)));
    return { updated: conns.length, missing: targets.length - conns.length };
  }

  /**
   * An app's signed-in connections on this gate, the subscribers of `roomId` and the connections
   * carrying `tag` (0 for an empty room id or tag).
   */
  count(
    appId: string,
    roomId: string,
    tag: string,
  ): { signedIn: number; roomSubscribers: number; tagConnections: number } {
    this.core.counters.countCalls++;
    return {
      signedIn: this.core.registry.appSize(appId),
      roomSubscribers: roomId ? (this.core.rooms.subscribers(appId, roomId)?.size ?? 0) : 0,
      tagConnections: tag ? this.core.tags.count(appId, tag) : 0,
    };
  }

  /**
   * Queues a packet on every local subscriber of a room, then each of `more` in order (a burst in
   * one call, so that a connection's packets leave in one write), each skipping the connection of
   * the device its exclusion names (the sender's, which has its response). Resolves with the
   * (packet, connection) pairs queued.
   */
  pushRoom(
    appId: string,
    roomId: string,
    packet: Uint8Array,
    excludeUserId = '',
    excludeDeviceId = '',
    more: readonly RoomPacket[] = [],
  ): number {
    const subscribers = this.core.rooms.subscribers(appId, roomId);
    if (!subscribers) return 0;
    const encoded = EncodedPacket.fromBytes(packet);
    if (excludeDeviceId === '' && more.length === 0) return this.sendAll(subscribers, encoded);
    const burst = [
      { encoded, userId: excludeUserId, deviceId: excludeDeviceId },
      ...more.map((p) => ({
        encoded: EncodedPacket.fromBytes(p.packet),
        userId: p.excludeUserId,
        deviceId: p.excludeDeviceId,
      })),
    ];
    let delivered = 0;
    for (const conn of subscribers) {
      for (const p of burst) {
        if (p.deviceId !== '' && conn.deviceId === p.deviceId && conn.userId === p.userId) continue;
        if (this.send(conn, p.encoded)) delivered++;
      }
    }
    return delivered;
  }

  /** Queues a packet on every signed-in connection of an app. */
  broadcast(appId: string, packet: Uint8Array): number {
    return this.sendAll(this.core.registry.appConnections(appId), EncodedPacket.fromBytes(packet));
  }

  /** Queues a packet on every connection of an app whose tags match `query`. */
  pushTags(appId: string, query: TagQuery, packet: Uint8Array): number {
    const encoded = EncodedPacket.fromBytes(packet);
    let delivered = 0;
    this.core.tags.forEachMatch(appId, query, (conn) => {
      if (this.send(conn, encoded)) delivered++;
    });
    return delivered;
  }

  /**
   * Sends KICKED with `code` and `reason` and closes the connection, if it exists on this process,
   * is signed in as the target's app, user and device, and (when `epoch` is not 0) still carries
   * that epoch.
   */
  kick(target: KickTarget, code: ErrorCode, reason: string): boolean {
    if (target.bootId !== this.core.bootId) {
      this.core.counters.staleBootCalls++;
      return false;
    }
    const conn = this.targetConnection(target.appId, target);
    if (!conn) return false;
    const kickCode = code === ErrorCode.ERROR_CODE_UNSPECIFIED ? ErrorCode.ERROR_CODE_KICKED_BY_ADMIN : code;
    this.core.closeWith(conn, kickCode, reason || 'kicked', PacketType.PACKET_TYPE_KICKED);
    return true;
  }

  /**
   * The connection a target names, if it is signed in as exactly that app, user and device with
   * that epoch (any epoch when the target's is 0). A connection signed in as someone else is
   * counted as misaddressed.
   */
  private targetConnection(appId: string, target: DeliveryTarget): Connection | undefined {
    const conn = this.core.registry.get(target.connId);
    if (!conn || !conn.signedIn || (target.epoch !== 0 && conn.epoch !== target.epoch)) return undefined;
    if (conn.appId !== appId || conn.userId !== target.userId || conn.deviceId !== target.deviceId) {
      this.core.counters.misaddressed++;
      return undefined;
    }
    return conn;
  }

  private sendAll(conns: Iterable<Connection>, encoded: EncodedPacket): number {
    let delivered = 0;
    // A cut-off slow consumer leaves its index during the walk; both walks tolerate that.
    for (const conn of conns) if (this.send(conn, encoded)) delivered++;
    return delivered;
  }

  private send(conn: Connection, encoded: EncodedPacket): boolean {
    return this.sendChunk(conn, encoded.chunkFor(conn.format), encoded.type);
  }

  private sendChunk(conn: Connection, chunk: WireChunk | undefined, type: number): boolean {
    if (chunk === undefined || !this.core.outbound.enqueue(conn, chunk)) return false;
    this.core.counters.countOut(type);
    return true;
  }
}
