import { isEpoch, requireBootId, requireId, requireNewBinding, requireTtl } from './arguments.js';
import { compare } from './compare.js';
import { RouteStoreError } from './route-store-error.js';
import { sameConnection } from './same-connection.js';
import {
  type BindResult,
  type Binding,
  type GateInfo,
  type GateLease,
  type GateRenewal,
  type NewBinding,
  type RouteStore,
} from './route-store.js';

/** Options of `MemoryRouteStore`. */
export interface MemoryRouteStoreOptions {
  /** Milliseconds since the epoch; injectable so tests can move time without sleeping. Default `Date.now`. */
  readonly clock?: () => number;
}

interface GateEntry {
  info: GateInfo;
  expiresAt: number;
  /** Bindings that point at this gate, so removing the gate removes them without a scan. */
  readonly bindings: Set<Binding>;
  /** Bindings per app, kept with `bindings` so `onlineCount` costs one lookup per gate. */
  readonly appCounts: Map<string, number>;
  /** appId -> rooms this gate joined, so removing the gate leaves them without a scan. */
  readonly rooms: Map<string, Set<string>>;
}

/**
 * `RouteStore` in one process's memory, for embedded mode. Every method runs to completion without
 * awaiting, so each one is trivially atomic and binds never interleave.
 */
export class MemoryRouteStore implements RouteStore {
  readonly #clock: () => number;
  readonly #gates = new Map<string, GateEntry>();
  /** appId -> userId -> deviceId -> binding. */
  readonly #bindings = new Map<string, Map<string, Map<string, Binding>>>();
  /** appId -> roomId -> gateIds. */
  readonly #rooms = new Map<string, Map<string, Set<string>>>();
  /** One counter for all devices: strictly greater than any earlier epoch of any device is enough. */
  #lastEpoch = 0;

  constructor(options: MemoryRouteStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now;
  }

  async bind(offered: NewBinding): Promise<BindResult> {
    return this.#bind(offered, false);
  }

  async rebind(offered: NewBinding): Promise<BindResult> {
    return this.#bind(offered, true);
  }

  #bind(offered: NewBinding, onlyIfUnbound: boolean): BindResult {
    requireNewBinding(offered);
    const now = this.#clock();
    const gate = this.#liveGate(offered.gateId, now);
    if (gate === undefined || gate.info.bootId !== offered.gateBootId) {
      throw new RouteStoreError(
        'GATE_NOT_LIVE',
        `gate ${offered.gateId} has no live lease for boot ${offered.gateBootId}`,
      );
    }
    const previous = this.#find(offered.appId, offered.userId, offered.deviceId);
    if (
      onlyIfUnbound &&
      previous !== undefined &&
      this.#liveGate(previous.gateId, now) !== undefined &&
      !sameConnection(previous, offered)
    ) {
      return { epoch: 0, supersededBy: previous };
    }
    const binding: Binding = {
      appId: offered.appId,
      userId: offered.userId,
      deviceId: offered.deviceId,
      gateId: offered.gateId,
      gateBootId: offered.gateBootId,
      connId: offered.connId,
      epoch: ++this.#lastEpoch,
      platform: offered.platform,
      boundAt: offered.boundAt,
    };
    if (previous !== undefined) this.#delete(previous);
    this.#insert(binding, gate);
    return previous === undefined ? { epoch: binding.epoch } : { epoch: binding.epoch, previous };
  }

  async unbind(appId: string, userId: string, deviceId: string, epoch: number): Promise<boolean> {
    const current = this.#find(appId, userId, deviceId);
    if (current === undefined || !isEpoch(epoch) || current.epoch !== epoch) return false;
    this.#delete(current);
    return true;
  }

  async device(appId: string, userId: string, deviceId: string): Promise<Binding | undefined> {
    const binding = this.#find(appId, userId, deviceId);
    if (binding === undefined || this.#liveGate(binding.gateId, this.#clock()) === undefined)
      return undefined;
    return binding;
  }

  async devicesOf(appId: string, userIds: readonly string[]): Promise<Binding[]> {
    const now = this.#clock();
    const users = this.#bindings.get(appId);
    const found: Binding[] = [];
    for (const userId of new Set(userIds)) {
      for (const binding of users?.get(userId)?.values() ?? []) {
        if (this.#liveGate(binding.gateId, now) !== undefined) found.push(binding);
      }
    }
    return found;
  }

  async renewGate(gate: GateInfo, ttlMs: number): Promise<GateRenewal> {
    requireId('gateId', gate.gateId);
    requireBootId(gate.bootId);
    requireTtl(ttlMs);
    const now = this.#clock();
    const leaseExpiresAt = now + ttlMs;
    const info: GateInfo = { gateId: gate.gateId, bootId: gate.bootId, grpcAddress: gate.grpcAddress };
    const live = this.#liveGate(gate.gateId, now);
    if (live !== undefined && live.info.bootId === gate.bootId) {
      live.info = info;
      live.expiresAt = leaseExpiresAt;
      return { leaseExpiresAt, registered: false };
    }
    // A lapsed lease, or another process's, must not come back with the bindings it had: connection
    // ids restart in every gate process, so an old binding could name a new process's connection.
    const old = this.#gates.get(gate.gateId);
    if (old !== undefined) this.#purge(old);
    this.#gates.set(gate.gateId, {
      info,
      expiresAt: leaseExpiresAt,
      bindings: new Set(),
      appCounts: new Map(),
      rooms: new Map(),
    });
    return { leaseExpiresAt, registered: true };
  }

  async liveGates(): Promise<GateLease[]> {
    const now = this.#clock();
    return [...this.#gates.values()]
      .filter((g) => g.expiresAt > now)
      .map((g) => ({
        gateId: g.info.gateId,
        bootId: g.info.bootId,
        grpcAddress: g.info.grpcAddress,
        leaseExpiresAt: g.expiresAt,
      }))
      .sort((a, b) => compare(a.gateId, b.gateId));
  }

  async removeGate(gateId: string): Promise<void> {
    const gate = this.#gates.get(gateId);
    if (gate !== undefined) this.#purge(gate);
  }

  async expireGates(now: number = this.#clock()): Promise<string[]> {
    const expired = [...this.#gates.values()].filter((g) => g.expiresAt <= now);
    for (const gate of expired) this.#purge(gate);
    return expired.map((g) => g.info.gateId).sort(compare);
  }

  async joinRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    requireId('appId', appId);
    requireId('roomId', roomId);
    const gate = this.#liveGate(gateId, this.#clock());
    if (gate === undefined) throw new RouteStoreError('GATE_NOT_LIVE', `gate ${gateId} has no live lease`);
    getOrCreate(
      getOrCreate(this.#rooms, appId, () => new Map<string, Set<string>>()),
      roomId,
      () => new Set<string>(),
    ).add(gateId);
    getOrCreate(gate.rooms, appId, () => new Set<string>()).add(roomId);
  }

  async leaveRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    this.#leave(appId, roomId, gateId);
    const joined = this.#gates.get(gateId)?.rooms;
    joined?.get(appId)?.delete(roomId);
    if (joined?.get(appId)?.size === 0) joined.delete(appId);
  }

  async gatesOfRoom(appId: string, roomId: string): Promise<string[]> {
    const now = this.#clock();
    const gateIds = this.#rooms.get(appId)?.get(roomId) ?? [];
    return [...gateIds].filter((id) => this.#liveGate(id, now) !== undefined).sort(compare);
  }

  async onlineCount(appId: string): Promise<number> {
    const now = this.#clock();
    let count = 0;
    for (const gate of this.#gates.values()) {
      if (gate.expiresAt > now) count += gate.appCounts.get(appId) ?? 0;
    }
    return count;
  }

  async isOnline(appId: string, userIds: readonly string[]): Promise<Map<string, boolean>> {
    const now = this.#clock();
    const users = this.#bindings.get(appId);
    const online = new Map<string, boolean>();
    for (const userId of userIds) {
      const devices = users?.get(userId)?.values() ?? [];
      online.set(
        userId,
        [...devices].some((b) => this.#liveGate(b.gateId, now) !== undefined),
      );
    }
    return online;
  }

  #liveGate(gateId: string, now: number): GateEntry | undefined {
    const gate = this.#gates.get(gateId);
    return gate !== undefined && gate.expiresAt > now ? gate : undefined;
  }

  #find(appId: string, userId: string, deviceId: string): Binding | undefined {
    return this.#bindings.get(appId)?.get(userId)?.get(deviceId);
  }

  #insert(binding: Binding, gate: GateEntry): void {
    const users = getOrCreate(this.#bindings, binding.appId, () => new Map<string, Map<string, Binding>>());
    getOrCreate(users, binding.userId, () => new Map<string, Binding>()).set(binding.deviceId, binding);
    gate.bindings.add(binding);
    gate.appCounts.set(binding.appId, (gate.appCounts.get(binding.appId) ?? 0) + 1);
  }

  /** Removes a binding from the device index and from its gate, dropping emptied maps so memory follows load. */
  #delete(binding: Binding): void {
    const users = this.#bindings.get(binding.appId);
    const devices = users?.get(binding.userId);
    if (devices?.get(binding.deviceId) === binding) {
      devices.delete(binding.deviceId);
      if (devices.size === 0) users?.delete(binding.userId);
      if (users?.size === 0) this.#bindings.delete(binding.appId);
    }
    const gate = this.#gates.get(binding.gateId);
    if (gate?.bindings.delete(binding)) {
      const left = (gate.appCounts.get(binding.appId) ?? 1) - 1;
      if (left > 0) gate.appCounts.set(binding.appId, left);
      else gate.appCounts.delete(binding.appId);
    }
  }

  #leave(appId: string, roomId: string, gateId: string): void {
    const rooms = this.#rooms.get(appId);
    const gateIds = rooms?.get(roomId);
    if (gateIds === undefined) return;
    gateIds.delete(gateId);
    if (gateIds.size === 0) rooms?.delete(roomId);
    if (rooms?.size === 0) this.#rooms.delete(appId);
  }

  /** Deletes a gate with its bindings and room memberships. */
  #purge(gate: GateEntry): void {
    for (const binding of [...gate.bindings]) this.#delete(binding);
    for (const [appId, roomIds] of gate.rooms) {
      for (const roomId of roomIds) this.#leave(appId, roomId, gate.info.gateId);
    }
    this.#gates.delete(gate.info.gateId);
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
