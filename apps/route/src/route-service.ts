import { Metadata } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import type { Delivery, GateServiceClient, TagExpression } from '@switchboard/proto/conn';
import type { Logger } from '@switchboard/log';
import { call, RpcError } from '@switchboard/rpc';
import {
  RouteStoreError,
  type Binding,
  type GateRenewal,
  type NewBinding,
  type RouteStore,
} from '@switchboard/route-store';
import type { GatePool } from './gate-pool.js';
import { routeCounters } from './route-metrics.js';

/** Packets for the online devices of some users (one entry per distinct packet). */
export interface UserPackets {
  userIds: readonly string[];
  packet: Buffer;
  /** A device that must not get this packet (the sender's own, which has the response). */
  exclude?: { userId: string; deviceId: string };
}

export interface DeliveryStats {
  delivered: number;
  failedGates: number;
}

/**
 * Route's decisions: bind devices (kicking the one replaced), and deliver
 * packets by grouping targets per gate and calling each gate once per batch,
 * all gates in parallel. A gate that cannot be reached is counted, not retried:
 * its devices get the messages by sync when they reconnect.
 */
export class RouteService {
  readonly counters = routeCounters();

  constructor(
    private readonly store: RouteStore,
    private readonly gates: GatePool,
    private readonly log: Logger,
    private readonly gateCallTimeoutMs: number,
  ) {}

  async bind(binding: NewBinding): Promise<{ epoch: number; previous?: Binding }> {
    const result = await this.store.bind(binding).catch((err: unknown) => {
      if (err instanceof RouteStoreError && err.code === 'GATE_NOT_LIVE') {
        throw new RpcError(
          ErrorCode.ERROR_CODE_UNAVAILABLE,
          `gate ${binding.gateId} holds no lease; reconnect`,
        );
      }
      throw err;
    });
    this.counters.add('binds');
    if (result.supersededBy) {
      throw new RpcError(ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE, 'the device signed in again elsewhere');
    }
    const previous = result.previous;
    if (previous && !(previous.gateId === binding.gateId && previous.connId === binding.connId)) {
      await this.kick(previous, ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE, 'the device signed in again');
    }
    return { epoch: result.epoch, ...(previous ? { previous } : {}) };
  }

  unbind(appId: string, userId: string, deviceId: string, epoch: number): Promise<boolean> {
    return this.store.unbind(appId, userId, deviceId, epoch);
  }

  renewLease(gateId: string, grpcAddress: string, ttlMs: number): Promise<GateRenewal> {
    return this.store.renewGate({ gateId, grpcAddress }, ttlMs).then((renewal) => {
      if (renewal.registered) {
        this.gates.invalidate();
        this.log.info({ gateId, grpcAddress }, 'gate registered');
      }
      return renewal;
    });
  }

  async removeGate(gateId: string): Promise<void> {
    await this.store.removeGate(gateId);
    this.gates.invalidate();
    this.log.info({ gateId }, 'gate removed');
  }

  joinRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    return this.store.joinRoom(appId, roomId, gateId);
  }

  leaveRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    return this.store.leaveRoom(appId, roomId, gateId);
  }

  /** Looks the users up once, then sends each gate one Deliver with all its packets. */
  async deliverToUsers(appId: string, batches: readonly UserPackets[]): Promise<DeliveryStats> {
    const userIds = new Set<string>();
    for (const b of batches) for (const u of b.userIds) userIds.add(u);
    if (userIds.size === 0) return this.fanOut([], () => Promise.resolve({ delivered: 0 }));
    const bindings = await this.store.devicesOf(appId, [...userIds]);
    const byUser = new Map<string, Binding[]>();
    for (const b of bindings) {
      const list = byUser.get(b.userId);
      if (list) list.push(b);
      else byUser.set(b.userId, [b]);
    }
    const perGate = new Map<string, Delivery[]>();
    for (const batch of batches) {
      const targetsByGate = new Map<string, Delivery>();
      for (const userId of batch.userIds) {
        for (const b of byUser.get(userId) ?? []) {
          if (batch.exclude && batch.exclude.userId === b.userId && batch.exclude.deviceId === b.deviceId)
            continue;
          let delivery = targetsByGate.get(b.gateId);
          if (delivery === undefined) {
            delivery = { packet: batch.packet, targets: [] };
            targetsByGate.set(b.gateId, delivery);
          }
          delivery.targets.push({ connId: Number(b.connId), epoch: b.epoch });
        }
      }
      for (const [gateId, delivery] of targetsByGate) {
        const list = perGate.get(gateId);
        if (list) list.push(delivery);
        else perGate.set(gateId, [delivery]);
      }
    }
    return this.deliverPerGate(perGate);
  }

  async deliverToDevices(
    appId: string,
    devices: ReadonlyArray<{ userId: string; deviceId: string }>,
    packet: Buffer,
  ): Promise<DeliveryStats> {
    const wanted = new Set(devices.map((d) => `${d.userId}\u0000${d.deviceId}`));
    const bindings = await this.store.devicesOf(appId, [...new Set(devices.map((d) => d.userId))]);
    const perGate = new Map<string, Delivery[]>();
    for (const b of bindings) {
      if (!wanted.has(`${b.userId}\u0000${b.deviceId}`)) continue;
      const list = perGate.get(b.gateId);
      const target = { connId: Number(b.connId), epoch: b.epoch };
      if (list?.[0]) list[0].targets.push(target);
      else perGate.set(b.gateId, [{ packet, targets: [target] }]);
    }
    return this.deliverPerGate(perGate);
  }

  async deliverToRoom(appId: string, roomId: string, packet: Buffer): Promise<DeliveryStats> {
    const gateIds = await this.store.gatesOfRoom(appId, roomId);
    return this.fanOut(gateIds, (client) =>
      call(client, client.pushRoom, { appId, roomId, packet }, new Metadata(), this.gateCallTimeoutMs),
    );
  }

  async deliverToTags(appId: string, expression: TagExpression, packet: Buffer): Promise<DeliveryStats> {
    const gates = await this.gates.all();
    return this.fanOut(
      gates.map((g) => g.gateId),
      (client) =>
        call(client, client.pushTags, { appId, expression, packet }, new Metadata(), this.gateCallTimeoutMs),
    );
  }

  async deliverToAll(appId: string, packet: Buffer): Promise<DeliveryStats> {
    const gates = await this.gates.all();
    return this.fanOut(
      gates.map((g) => g.gateId),
      (client) => call(client, client.broadcast, { appId, packet }, new Metadata(), this.gateCallTimeoutMs),
    );
  }

  presence(appId: string, userIds: readonly string[]): Promise<Binding[]> {
    return this.store.devicesOf(appId, userIds);
  }

  async counts(
    appId: string,
    roomId: string,
  ): Promise<{ onlineDevices: number; roomGates: number; gates: number }> {
    const [onlineDevices, roomGates, gates] = await Promise.all([
      this.store.onlineCount(appId),
      roomId ? this.store.gatesOfRoom(appId, roomId).then((g) => g.length) : Promise.resolve(0),
      this.store.liveGates().then((g) => g.length),
    ]);
    return { onlineDevices, roomGates, gates };
  }

  async kickDevice(
    appId: string,
    userId: string,
    deviceId: string,
    code: ErrorCode,
    reason: string,
  ): Promise<boolean> {
    const binding = await this.store.device(appId, userId, deviceId);
    if (!binding) return false;
    const kicked = await this.kick(binding, code, reason);
    // The gate unbinds when the connection closes; unbinding here too covers a gate that is gone.
    await this.store.unbind(appId, userId, deviceId, binding.epoch);
    return kicked;
  }

  private async kick(binding: Binding, code: ErrorCode, reason: string): Promise<boolean> {
    this.counters.add('kicks');
    const client = await this.gates.get(binding.gateId);
    if (!client) return false;
    try {
      const res = await call(
        client,
        client.kick,
        { connId: Number(binding.connId), epoch: binding.epoch, code, reason },
        new Metadata(),
        this.gateCallTimeoutMs,
      );
      return res.kicked;
    } catch (err) {
      this.log.warn({ err, gateId: binding.gateId, connId: binding.connId }, 'kick failed');
      return false;
    }
  }

  private deliverPerGate(perGate: Map<string, Delivery[]>): Promise<DeliveryStats> {
    return this.fanOut([...perGate.keys()], (client, gateId) =>
      call(
        client,
        client.deliver,
        { deliveries: perGate.get(gateId) ?? [] },
        new Metadata(),
        this.gateCallTimeoutMs,
      ),
    );
  }

  private async fanOut(
    gateIds: readonly string[],
    send: (client: GateServiceClient, gateId: string) => Promise<{ delivered: number }>,
  ): Promise<DeliveryStats> {
    const results = await Promise.all(
      gateIds.map(async (gateId) => {
        const client = await this.gates.get(gateId);
        if (!client) return -1;
        try {
          return (await send(client, gateId)).delivered;
        } catch (err) {
          this.log.warn({ err, gateId }, 'delivery to gate failed');
          return -1;
        }
      }),
    );
    let delivered = 0;
    let failedGates = 0;
    for (const r of results) {
      if (r < 0) failedGates++;
      else delivered += r;
    }
    this.counters.add('deliveries');
    this.counters.add('delivered', delivered);
    this.counters.add('failed_gate_calls', failedGates);
    return { delivered, failedGates };
  }
}
