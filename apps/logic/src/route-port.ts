import { Metadata } from '@grpc/grpc-js';
import { RouteServiceClient } from '@switchboard/proto/route';
import {
  balancedChannel,
  call,
  channelReachable,
  parseAddressList,
  type InternalTls,
  type AddressList,
} from '@switchboard/rpc';

/** Packets for the online devices of some users. */
export interface UserPacket {
  userIds: string[];
  packet: Buffer;
  /** The sender's device, which already has the result as a response. */
  exclude?: { userId: string; deviceId: string };
  /**
   * A stored message's summary for the offline-push webhook, on the packet for its recipient (not
   * on the sender's copy): when route finds the recipient with no device online, logic emits it.
   */
  offline?: OfflineNotice;
}

/** A stored message to tell an offline recipient about (see UserPacket.offline). */
export interface OfflineNotice {
  messageId: number;
  senderUserId: string;
  recipientUserId: string;
  contentType: string;
  content: Uint8Array;
  sentAt: number;
}

/** How a delivery went. */
export interface DeliveryStats {
  delivered: number;
  failedGates: number;
  /** Users with a device on a gate route could not reach. */
  unreachedUserIds: string[];
  /** DeliverToUsers: users of the request with no device online anywhere. */
  offlineUserIds: string[];
}

/** What logic needs from route. */
export interface RoutePort {
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
  /** Resolves when route is reachable (the readiness check); absent for in-process ports. */
  reachable?(): Promise<void>;
  /** Where route is, for logs and `/readyz`. */
  readonly address?: string;
  close(): void;
}

/** RoutePort over RouteService gRPC, balanced over every route instance in `addresses`. */
export class GrpcRoutePort implements RoutePort {
  private readonly client: RouteServiceClient;
  /** The route instances, comma-separated (for logs and `/readyz`). */
  readonly address: string;

  /** @param auth `internal.secret`, carried by every call, and mutual TLS (`internal.tls`) if on. */
  constructor(
    addresses: AddressList,
    auth: { secret: string; tls?: InternalTls | undefined },
    private readonly timeoutMs = 5_000,
  ) {
    this.address = parseAddressList(addresses).join(',');
    // Neither Bind nor DeliverToUsers is retried by the channel (see RETRYABLE_ROUTE_METHODS).
    const channel = balancedChannel(addresses, auth);
    this.client = new RouteServiceClient(channel.target, channel.credentials, channel.options);
  }

  reachable(): Promise<void> {
    return channelReachable(this.client);
  }

  async bind(input: Parameters<RoutePort['bind']>[0]): Promise<{ epoch: number }> {
    const res = await call(this.client, this.client.bind, input, new Metadata(), this.timeoutMs);
    return { epoch: res.epoch };
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
        })),
      },
      new Metadata(),
      this.timeoutMs,
    );
    return res.stats ?? { delivered: 0, failedGates: 0, unreachedUserIds: [] };
  }

  close(): void {
    this.client.close();
  }
}
