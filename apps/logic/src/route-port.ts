import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  RouteServiceClient,
  RouteServiceService,
  type BindRequest,
  type GateState,
} from '@switchboard/proto/route';
import {
  balancedClient,
  call,
  channelReachable,
  INTERNAL_LIMITS,
  parseAddressList,
  RETRYABLE_ROUTE_METHODS,
  type InternalStreamsConfig,
  type InternalTls,
  type AddressList,
  type TickGatherer,
} from '@switchboard/rpc';
import { bindGatherer, type Bound } from './route-binds.js';

export type { GateState };

/** Packets for the online devices of some users. */
export interface UserPacket {
  userIds: string[];
  /** An encoded client Packet; empty when `seqs` is set. */
  packet: Buffer;
  /**
   * Set instead of `packet`: a Message stored in each of `userIds`' inboxes (a small group's),
   * encoded without a seq; userIds[i] gets its MESSAGE push carrying seqs[i]. The message travels
   * to route and on to each gate once, however many members get it.
   */
  message?: Buffer;
  seqs?: number[];
  /** The sender's device, which already has the result as a response. */
  exclude?: { userId: string; deviceId: string };
  /**
   * A stored message's summary for the offline-push webhook, on the packet for its recipient (not
   * on the sender's copy): when route finds the recipient with no device online, logic emits it.
   * On a `message` packet a template: each of its users but the sender found offline gets a copy
   * naming them the recipient.
   */
  offline?: OfflineNotice;
}

/** Pushes a packet stands for: one per user of a `message` packet, else one. */
export function pushesIn(p: UserPacket): number {
  return p.seqs ? p.seqs.length : 1;
}

/** Pushes some packets stand for (see {@link pushesIn}). */
export function pushesOf(packets: readonly UserPacket[]): number {
  let n = 0;
  for (const p of packets) n += pushesIn(p);
  return n;
}

/** A device that does not get a push: the sender's, which has its response. */
export interface DeviceExclusion {
  userId: string;
  deviceId: string;
}

/** One packet of a room push burst (see LogicRoutePort.deliverToRoom). */
export interface RoomPush {
  packet: Buffer;
  exclude?: DeviceExclusion | undefined;
}

/** A stored message to tell an offline recipient about (see UserPacket.offline). */
export interface OfflineNotice {
  messageId: number;
  senderUserId: string;
  recipientUserId: string;
  /** Set for a group message. */
  groupId?: string;
  contentType: string;
  content: Uint8Array;
  sentAt: number;
}

/** How a delivery went. */
export interface DeliveryStats {
  delivered: number;
  failedGates: number;
  /** deliverToUsers only: users with a device on a gate route could not reach. */
  unreachedUserIds: string[];
  /** deliverToUsers only: users with no bound device at all (e.g. for the offline-push webhook). */
  offlineUserIds: string[];
}

/**
 * Connections carrying every tag of `allOf`, at least one of `anyOf` (when not empty) and none of
 * `noneOf`. An expression with neither `allOf` nor `anyOf` matches nothing.
 */
export interface TagExpression {
  allOf: string[];
  anyOf: string[];
  noneOf: string[];
}

/** One user's bound devices, as route sees them. */
export interface UserPresence {
  userId: string;
  devices: Array<{ deviceId: string; platform: string; gateId: string; boundAt: number }>;
}

/** An app's online counts. */
export interface OnlineCounts {
  onlineDevices: number;
  /** Subscribers of the room asked for, summed over the gates that answered. */
  roomSubscribers: number;
  /** Connections carrying the tag asked for, summed over the gates that answered. */
  tagConnections: number;
  /** Gates that did not answer: when not 0 the two sums are low. */
  failedGates: number;
}

const EMPTY = Buffer.alloc(0);
const NO_SEQS: number[] = [];

const NO_STATS: DeliveryStats = { delivered: 0, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };

/** What logic needs from route: route as logic sees it (a gate sees it as `GateRoutePort`). */
export interface LogicRoutePort {
  bind(input: {
    appId: string;
    userId: string;
    deviceId: string;
    gateId: string;
    gateBootId: string;
    connId: number;
    platform: string;
  }): Promise<{ epoch: number }>;
  deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats>;
  /** A packet for every subscriber of a room. Not retried (a repeated push reaches clients twice). */
  /**
   * `exclude`: the sender's device, which has its response; it gets no copy. `more`: further packets
   * of a burst for the same room, pushed after `packet` in order, each with its own exclusion.
   */
  deliverToRoom(
    appId: string,
    roomId: string,
    packet: Buffer,
    exclude?: DeviceExclusion,
    more?: readonly RoomPush[],
  ): Promise<DeliveryStats>;
  /** A packet for every connection of the app matching `expression`. Not retried. */
  deliverToTags(appId: string, expression: TagExpression, packet: Buffer): Promise<DeliveryStats>;
  /** A packet for every signed-in connection of the app. Not retried. */
  deliverToAll(appId: string, packet: Buffer): Promise<DeliveryStats>;
  /** The bound devices of each user, in request order (an offline user has none). */
  presence(appId: string, userIds: string[]): Promise<UserPresence[]>;
  /** Online devices; with a room id its subscribers, with a tag its connections (empty: 0). */
  counts(appId: string, roomId: string, tag: string): Promise<OnlineCounts>;
  /** Kicks one device wherever it is connected (KICKED with `code` and `reason`); false if it was not. */
  kickDevice(appId: string, userId: string, deviceId: string, code: number, reason: string): Promise<boolean>;
  /**
   * Replaces the server-granted tags of the user's live connections (at most 32 of at most 64
   * characters; more is INVALID_ARGUMENT). `updated` counts connections; `failedGates` the gates
   * holding some of them that could not be reached.
   */
  setUserTags(
    appId: string,
    userId: string,
    tags: string[],
  ): Promise<{ updated: number; failedGates: number }>;
  /**
   * Puts every live connection of `userIds` into room `roomId` (`join`), or takes them out of it;
   * any number of users (sent in calls of at most INTERNAL_LIMITS.usersPerSetRoom, answers summed).
   * `updated` counts connections; `failedGates` the gates holding some of them that could not be
   * reached (summed over the calls).
   */
  setUsersRoom(
    appId: string,
    roomId: string,
    userIds: string[],
    join: boolean,
  ): Promise<{ updated: number; failedGates: number }>;
  /** Every live gate with its lease and counters, and route's clock when it read them. */
  listGates(): Promise<{ gates: GateState[]; now: number }>;
  /** Resolves when route is reachable (the readiness check); absent for in-process ports. */
  reachable?(): Promise<void>;
  /** Where route is, for logs and `/readyz`. */
  readonly address?: string;
  close(): void;
}

/** LogicRoutePort over RouteService gRPC, balanced over every route instance in `addresses`. */
export class GrpcLogicRoutePort implements LogicRoutePort {
  private readonly client: RouteServiceClient;
  /** A tick's binds go to route as one BindMany call. */
  private readonly binds: TickGatherer<BindRequest, Bound>;
  /** The route instances, comma-separated (for logs and `/readyz`). */
  readonly address: string;

  /**
   * @param auth `internal.secret`, carried by every call, mutual TLS (`internal.tls`) if on, and
   *   `internal.streams` (calls as frames on long-lived streams) if on.
   * @param client A client made elsewhere instead, e.g. for a route served in this process
   *   (`InProcessChannel.client`, the embedded suite); `addresses` then only names it.
   * @param onBindMany told the binds of each BindMany call (the binds-per-call histogram).
   */
  constructor(
    addresses: AddressList,
    auth: { secret: string; tls?: InternalTls | undefined; streams?: InternalStreamsConfig | undefined },
    private readonly timeoutMs = 5_000,
    client?: RouteServiceClient,
    onBindMany?: (binds: number) => void,
  ) {
    this.address = parseAddressList(addresses).join(',');
    // The channel retries only RETRYABLE_ROUTE_METHODS (GetPresence, GetCounts, KickDevice,
    // SetUserTags, SetUsersRoom); Bind, BindMany and the DeliverTo* calls are never sent twice.
    if (client) {
      this.client = client;
    } else {
      this.client = balancedClient(RouteServiceClient, RouteServiceService, addresses, {
        ...auth,
        retryable: RETRYABLE_ROUTE_METHODS,
      });
    }
    this.binds = bindGatherer(this.client, timeoutMs, onBindMany);
  }

  reachable(): Promise<void> {
    return channelReachable(this.client);
  }

  bind(input: Parameters<LogicRoutePort['bind']>[0]): Promise<{ epoch: number }> {
    return this.binds.call(input);
  }

  async deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    const res = await call(
      this.client,
      this.client.deliverToUsers,
      {
        appId,
        packets: packets.map((p) => ({
          userIds: p.userIds,
          packet: p.packet,
          excludeUserId: p.exclude?.userId ?? '',
          excludeDeviceId: p.exclude?.deviceId ?? '',
          message: p.message ?? EMPTY,
          seqs: p.seqs ?? NO_SEQS,
        })),
      },
      new Metadata(),
      this.timeoutMs,
    );
    return res.stats ?? NO_STATS;
  }

  async deliverToRoom(
    appId: string,
    roomId: string,
    packet: Buffer,
    exclude?: DeviceExclusion,
    more: readonly RoomPush[] = [],
  ): Promise<DeliveryStats> {
    const res = await this.call(this.client.deliverToRoom, {
      appId,
      roomId,
      packet,
      excludeUserId: exclude?.userId ?? '',
      excludeDeviceId: exclude?.deviceId ?? '',
      more: more.map((p) => ({
        packet: p.packet,
        excludeUserId: p.exclude?.userId ?? '',
        excludeDeviceId: p.exclude?.deviceId ?? '',
      })),
    });
    return res.stats ?? NO_STATS;
  }

  async deliverToTags(appId: string, expression: TagExpression, packet: Buffer): Promise<DeliveryStats> {
    const res = await this.call(this.client.deliverToTags, { appId, expression, packet });
    return res.stats ?? NO_STATS;
  }

  async deliverToAll(appId: string, packet: Buffer): Promise<DeliveryStats> {
    const res = await this.call(this.client.deliverToAll, { appId, packet });
    return res.stats ?? NO_STATS;
  }

  async presence(appId: string, userIds: string[]): Promise<UserPresence[]> {
    const res = await this.call(this.client.getPresence, { appId, userIds });
    return res.users.map((u) => ({
      userId: u.userId,
      devices: u.devices.map((d) => ({
        deviceId: d.deviceId,
        platform: d.platform,
        gateId: d.gateId,
        boundAt: d.boundAt,
      })),
    }));
  }

  async listGates(): Promise<{ gates: GateState[]; now: number }> {
    const res = await this.call(this.client.listGates, {});
    return { gates: res.gates, now: res.now };
  }

  async counts(appId: string, roomId: string, tag: string): Promise<OnlineCounts> {
    const res = await this.call(this.client.getCounts, { appId, roomId, tag });
    return {
      onlineDevices: res.onlineDevices,
      roomSubscribers: res.roomSubscribers,
      tagConnections: res.tagConnections,
      failedGates: res.failedGates,
    };
  }

  async kickDevice(
    appId: string,
    userId: string,
    deviceId: string,
    code: number,
    reason: string,
  ): Promise<boolean> {
    const res = await this.call(this.client.kickDevice, { appId, userId, deviceId, code, reason });
    return res.kicked;
  }

  async setUserTags(
    appId: string,
    userId: string,
    tags: string[],
  ): Promise<{ updated: number; failedGates: number }> {
    const res = await this.call(this.client.setUserTags, { appId, userId, tags });
    return { updated: res.updated, failedGates: res.failedGates };
  }

  async setUsersRoom(
    appId: string,
    roomId: string,
    userIds: string[],
    join: boolean,
  ): Promise<{ updated: number; failedGates: number }> {
    // One call after another: a group of 100,000 members is 100 calls, not 100 at once.
    const chunk = INTERNAL_LIMITS.usersPerSetRoom;
    const sum = { updated: 0, failedGates: 0 };
    for (let i = 0; i < userIds.length; i += chunk) {
      const request = { appId, roomId, userIds: userIds.slice(i, i + chunk), join };
      const res = await this.call(this.client.setUsersRoom, request);
      sum.updated += res.updated;
      sum.failedGates += res.failedGates;
    }
    return sum;
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(
    method: (
      request: Req,
      metadata: Metadata,
      options: Partial<CallOptions>,
      callback: (error: ServiceError | null, response: Res) => void,
    ) => ClientUnaryCall,
    request: Req,
  ): Promise<Res> {
    return call(this.client, method, request, new Metadata(), this.timeoutMs);
  }
}
