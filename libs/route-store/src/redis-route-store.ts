import { isEpoch, requireBootId, requireId, requireNewBinding, requireTtl } from './arguments.js';
import {
  decodeBinding,
  decodeGateInfo,
  encodeBinding,
  encodeBindingAround,
  encodeRef,
  encodeRefHead,
  encodeRoomRef,
  type GateRecord,
  type LiveGate,
} from './redis-binding-codec.js';
import { RedisBindBatch } from './redis-bind-batch.js';
import { type RedisRouteClient } from './redis-client.js';
import { RedisGateCleanup } from './redis-gate-cleanup.js';
import { RouteKeys } from './redis-keys.js';
import { runScript } from '@switchboard/redis-script';
import {
  BIND,
  BIND_IF_UNCHANGED,
  CLAIM_EXPIRED_GATES,
  CLAIM_GATE,
  INDEX_BINDING,
  LEAVE_ROOM,
  LIVE_GATE,
  LIVE_GATES,
  LIVE_GATES_AND_USERS,
  RENEW_GATE,
  UNBIND,
} from './redis-scripts.js';
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

/**
 * Most users one LIVE_GATES_AND_USERS script reads: a lookup of many more (a room join of a whole
 * group) is split so that no single script holds Redis for long.
 */
const USERS_PER_LOOKUP = 256;

/** Options of `RedisRouteStore`. */
export interface RedisRouteStoreOptions {
  /** An ioredis `Redis` or `Cluster` client; the store never closes it. */
  readonly client: RedisRouteClient;
  /** Prefix of every key, e.g. `sb` in production or `sbtest:<random>` in tests. No braces. */
  readonly prefix: string;
  /**
   * Milliseconds since the epoch, used to judge leases. Route instances sharing a Redis should keep
   * their clocks in sync (NTP); skew shifts lease ends by the skew. Default `Date.now`.
   */
  readonly clock?: () => number;
  /** How many binding deletions run at once while cleaning up a dead gate. Default 256. */
  readonly cleanupConcurrency?: number;
}

/**
 * `RouteStore` on Redis or Redis Cluster (key schema and slot layout in redis-keys.ts). Several route
 * instances may share one store. Each write that must be atomic is one Lua script on one slot; the
 * gate-side indexes are maintained around it in an order that keeps them consistent under concurrency.
 */
export class RedisRouteStore implements RouteStore {
  readonly #redis: RedisRouteClient;
  readonly #keys: RouteKeys;
  readonly #clock: () => number;
  readonly #cleanup: RedisGateCleanup;
  /** Live-gate reads under way, by gate id: binds arriving together (a BindMany) share one. */
  readonly #gateReads = new Map<string, Promise<GateRecord | undefined>>();
  /** The one-script binds of a single Redis, a tick's in one command. */
  readonly #binds: RedisBindBatch;

  constructor(options: RedisRouteStoreOptions) {
    this.#redis = options.client;
    this.#keys = new RouteKeys(options.prefix);
    this.#clock = options.clock ?? Date.now;
    this.#cleanup = new RedisGateCleanup(this.#redis, this.#keys, options.cleanupConcurrency ?? 256);
    this.#binds = new RedisBindBatch(this.#redis);
  }

  /** The key schema this store writes, e.g. for `pattern()` when removing a test prefix. */
  get keys(): RouteKeys {
    return this.#keys;
  }

  async bind(offered: NewBinding): Promise<BindResult> {
    requireNewBinding(offered);
    if (this.#redis.isCluster !== false) return this.#bindAcrossSlots(offered);
    // A single Redis: one script takes the epoch, indexes and stores, for all the binds of a tick (a
    // sign-in storm's route spent most of its CPU on the four round trips per bind of the
    // Cluster-safe steps below).
    const { appId, userId, deviceId } = offered;
    const gate = await this.#liveGateOf(offered);
    const [stored, other, epoch] = await this.#binds.run(
      [
        this.#keys.userEpochs(appId, userId),
        this.#keys.userBindings(appId, userId),
        this.#keys.gateApps(offered.gateId, gate.incarnation),
        this.#keys.gateBindings(offered.gateId, gate.incarnation, appId),
      ],
      [deviceId, appId, encodeRefHead(userId, deviceId), ...encodeBindingAround(offered, gate.incarnation)],
    );
    if (stored === 0) {
      return { epoch, supersededBy: decodeBinding(appId, userId, deviceId, other ?? '').binding };
    }
    return this.#replaced({ ...offered, epoch }, other);
  }

  /**
   * A bind in steps that each touch one slot (Redis Cluster): the epoch, then the gate index, then
   * the binding (see {@link #index} for why in that order).
   */
  async #bindAcrossSlots(offered: NewBinding): Promise<BindResult> {
    const { appId, userId, deviceId } = offered;
    const [gate, epoch] = await Promise.all([
      this.#liveGateOf(offered),
      this.#redis.hincrby(this.#keys.userEpochs(appId, userId), deviceId, 1),
    ]);
    // The epoch just taken when the gate is not live is simply skipped: epochs must grow, not be dense.
    const binding: Binding = { ...offered, epoch };
    const ref = await this.#index(binding, gate);
    const [stored, other] = (await runScript(
      this.#redis,
      BIND,
      [this.#keys.userBindings(appId, userId)],
      [deviceId, encodeBinding(binding, gate.incarnation), epoch],
    )) as [0 | 1, string | null];
    if (stored === 0) {
      await this.#redis.srem(this.#keys.gateBindings(binding.gateId, gate.incarnation, appId), ref);
      return { epoch, supersededBy: decodeBinding(appId, userId, deviceId, other ?? '').binding };
    }
    return this.#replaced(binding, other);
  }

  async rebind(offered: NewBinding): Promise<BindResult> {
    requireNewBinding(offered);
    const { appId, userId, deviceId } = offered;
    const gate = await this.#liveGateOf(offered);
    const userKey = this.#keys.userBindings(appId, userId);
    // Read, decide, then store only if nothing changed in between; a concurrent change re-runs the
    // decision. Three rounds are plenty: each lost round means another bind of this very device won.
    for (let round = 0; round < 3; round++) {
      const [current, gates] = await Promise.all([
        this.#redis.hget(userKey, deviceId),
        this.#liveGates(this.#clock()),
      ]);
      if (current !== null) {
        const stored = decodeBinding(appId, userId, deviceId, current);
        const live = gates.get(stored.binding.gateId)?.incarnation === stored.incarnation;
        if (live && !sameConnection(stored.binding, offered)) {
          return { epoch: 0, supersededBy: stored.binding };
        }
      }
      const epoch = await this.#redis.hincrby(this.#keys.userEpochs(appId, userId), deviceId, 1);
      const binding: Binding = { ...offered, epoch };
      const ref = await this.#index(binding, gate);
      const [stored, other] = (await runScript(
        this.#redis,
        BIND_IF_UNCHANGED,
        [userKey],
        [deviceId, encodeBinding(binding, gate.incarnation), current ?? ''],
      )) as [0 | 1, string | null];
      if (stored === 1) return this.#replaced(binding, other);
      await this.#redis.srem(this.#keys.gateBindings(binding.gateId, gate.incarnation, appId), ref);
    }
    const current = await this.#redis.hget(userKey, deviceId);
    if (current === null) throw new RouteStoreError('CONFLICT', 'the device kept changing; retry');
    return { epoch: 0, supersededBy: decodeBinding(appId, userId, deviceId, current).binding };
  }

  /** The live registration a new binding names, or GATE_NOT_LIVE (no lease, or another boot id). */
  async #liveGateOf(offered: NewBinding): Promise<GateRecord> {
    const gate = await this.#sharedLiveGate(offered.gateId);
    if (gate === undefined || gate.bootId !== offered.gateBootId) {
      throw new RouteStoreError(
        'GATE_NOT_LIVE',
        `gate ${offered.gateId} has no live lease for boot ${offered.gateBootId}`,
      );
    }
    return gate;
  }

  /**
   * Adds a binding's ref to its gate incarnation's index. Index first: whoever later removes this ref
   * (a replacing bind, an unbind) can only learn of the binding after it is stored, hence after the
   * ref exists, so a removal never runs ahead of its add.
   */
  async #index(binding: Binding, gate: GateRecord): Promise<string> {
    const ref = encodeRef(binding.userId, binding.deviceId, binding.epoch);
    await runScript(
      this.#redis,
      INDEX_BINDING,
      [
        this.#keys.gateApps(binding.gateId, gate.incarnation),
        this.#keys.gateBindings(binding.gateId, gate.incarnation, binding.appId),
      ],
      [binding.appId, ref],
    );
    return ref;
  }

  /** The result of a stored bind, after dropping the replaced binding's ref from its gate index. */
  async #replaced(binding: Binding, replaced: string | null): Promise<BindResult> {
    if (replaced === null) return { epoch: binding.epoch };
    const previous = decodeBinding(binding.appId, binding.userId, binding.deviceId, replaced);
    await this.#unindex(previous.binding, previous.incarnation);
    return { epoch: binding.epoch, previous: previous.binding };
  }

  async unbind(appId: string, userId: string, deviceId: string, epoch: number): Promise<boolean> {
    if (!isEpoch(epoch)) return false;
    const removed = (await runScript(
      this.#redis,
      UNBIND,
      [this.#keys.userBindings(appId, userId)],
      [deviceId, epoch],
    )) as string | null;
    if (removed === null) return false;
    const stored = decodeBinding(appId, userId, deviceId, removed);
    await this.#unindex(stored.binding, stored.incarnation);
    return true;
  }

  async device(appId: string, userId: string, deviceId: string): Promise<Binding | undefined> {
    const [stored, gates] = await Promise.all([
      this.#redis.hget(this.#keys.userBindings(appId, userId), deviceId),
      this.#liveGates(this.#clock()),
    ]);
    if (stored === null) return undefined;
    const { binding, incarnation } = decodeBinding(appId, userId, deviceId, stored);
    return gates.get(binding.gateId)?.incarnation === incarnation ? binding : undefined;
  }

  async devicesOf(appId: string, userIds: readonly string[]): Promise<Binding[]> {
    const found: Binding[] = [];
    await this.#eachLiveBinding(appId, userIds, (binding) => found.push(binding));
    return found;
  }

  async renewGate(gate: GateInfo, ttlMs: number): Promise<GateRenewal> {
    requireId('gateId', gate.gateId);
    requireBootId(gate.bootId);
    requireTtl(ttlMs);
    const now = this.#clock();
    const leaseExpiresAt = now + ttlMs;
    const [registered] = (await runScript(
      this.#redis,
      RENEW_GATE,
      [this.#keys.gateLeases(), this.#keys.gateInfo(), this.#keys.gateIncarnations(), this.#keys.deadGates()],
      [gate.gateId, gate.bootId, gate.grpcAddress, now, leaseExpiresAt],
    )) as [0 | 1, number];
    return { leaseExpiresAt, registered: registered === 1 };
  }

  async liveGates(): Promise<GateLease[]> {
    const gates = await this.#liveGates(this.#clock());
    return [...gates]
      .map(([gateId, g]) => ({
        gateId,
        bootId: g.bootId,
        grpcAddress: g.grpcAddress,
        leaseExpiresAt: g.leaseExpiresAt,
      }))
      .sort((a, b) => compare(a.gateId, b.gateId));
  }

  async removeGate(gateId: string): Promise<void> {
    const member = (await runScript(
      this.#redis,
      CLAIM_GATE,
      [this.#keys.gateLeases(), this.#keys.gateInfo(), this.#keys.deadGates()],
      [gateId],
    )) as string | null;
    if (member !== null) await this.#cleanup.purge(member);
  }

  async expireGates(now: number = this.#clock()): Promise<string[]> {
    const claimed = (await runScript(
      this.#redis,
      CLAIM_EXPIRED_GATES,
      [this.#keys.gateLeases(), this.#keys.gateInfo(), this.#keys.deadGates()],
      [now],
    )) as string[];
    // Also finishes cleanups that a route instance left half done when it died.
    await this.#cleanup.purgeAllDead();
    return claimed.map((member) => member.slice(member.indexOf(':') + 1)).sort(compare);
  }

  async joinRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    requireId('appId', appId);
    requireId('roomId', roomId);
    const gate = await this.#liveGate(gateId, this.#clock());
    if (gate === undefined) throw new RouteStoreError('GATE_NOT_LIVE', `gate ${gateId} has no live lease`);
    // Index first, so a crash in between leaves only an index entry that cleanup handles harmlessly.
    await this.#redis.sadd(this.#keys.gateRooms(gateId, gate.incarnation), encodeRoomRef(appId, roomId));
    await this.#redis.hset(this.#keys.room(appId, roomId), gateId, gate.incarnation);
  }

  async leaveRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    const gate = await this.#liveGate(gateId, this.#clock());
    // A dead gate's memberships are already ignored by reads and go with its cleanup.
    if (gate === undefined) return;
    await runScript(this.#redis, LEAVE_ROOM, [this.#keys.room(appId, roomId)], [gateId, gate.incarnation]);
    await this.#redis.srem(this.#keys.gateRooms(gateId, gate.incarnation), encodeRoomRef(appId, roomId));
  }

  async gatesOfRoom(appId: string, roomId: string): Promise<string[]> {
    const [members, gates] = await Promise.all([
      this.#redis.hgetall(this.#keys.room(appId, roomId)),
      this.#liveGates(this.#clock()),
    ]);
    return Object.entries(members)
      .filter(([gateId, incarnation]) => gates.get(gateId)?.incarnation === Number(incarnation))
      .map(([gateId]) => gateId)
      .sort(compare);
  }

  async onlineCount(appId: string): Promise<number> {
    const gates = await this.#liveGates(this.#clock());
    const counts = await Promise.all(
      [...gates].map(([gateId, g]) =>
        this.#redis.scard(this.#keys.gateBindings(gateId, g.incarnation, appId)),
      ),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async isOnline(appId: string, userIds: readonly string[]): Promise<Map<string, boolean>> {
    const online = new Map(userIds.map((userId) => [userId, false]));
    await this.#eachLiveBinding(appId, userIds, (binding) => online.set(binding.userId, true));
    return online;
  }

  /**
   * Hands every live binding of the users (each user read once) to `found`. On a single Redis that is
   * one script per `USERS_PER_LOOKUP` users, reading the gates and the users' hashes together: the
   * lookup of every delivery, so one command per batch instead of one per user. On Redis Cluster the
   * users' keys are of many slots, so it is one HGETALL per user sent together with the gate read.
   */
  async #eachLiveBinding(
    appId: string,
    userIds: readonly string[],
    found: (binding: Binding) => void,
  ): Promise<void> {
    const users = [...new Set(userIds)];
    if (this.#redis.isCluster === false) {
      const lookups: Promise<void>[] = [];
      for (let i = 0; i < users.length; i += USERS_PER_LOOKUP) {
        lookups.push(this.#lookUp(appId, users.slice(i, i + USERS_PER_LOOKUP), found));
      }
      await Promise.all(lookups);
      return;
    }
    const [gates, ...hashes] = await Promise.all([
      this.#liveGates(this.#clock()),
      ...users.map((userId) => this.#redis.hgetall(this.#keys.userBindings(appId, userId))),
    ]);
    users.forEach((userId, i) => {
      for (const [deviceId, stored] of Object.entries(hashes[i] ?? {})) {
        const { binding, incarnation } = decodeBinding(appId, userId, deviceId, stored);
        if (gates.get(binding.gateId)?.incarnation === incarnation) found(binding);
      }
    });
  }

  /** One LIVE_GATES_AND_USERS round trip for some distinct users (single Redis only). */
  async #lookUp(appId: string, users: readonly string[], found: (binding: Binding) => void): Promise<void> {
    const keys = new Array<string>(users.length + 2);
    keys[0] = this.#keys.gateLeases();
    keys[1] = this.#keys.gateInfo();
    for (let i = 0; i < users.length; i++) keys[i + 2] = this.#keys.userBindings(appId, users[i] as string);
    const reply = (await runScript(this.#redis, LIVE_GATES_AND_USERS, keys, [this.#clock()])) as string[][];
    const gates = liveGatesOf(reply[0] ?? []);
    for (let u = 0; u < users.length; u++) {
      const userId = users[u] as string;
      const hash = reply[u + 1] ?? [];
      for (let i = 0; i + 1 < hash.length; i += 2) {
        const { binding, incarnation } = decodeBinding(
          appId,
          userId,
          hash[i] as string,
          hash[i + 1] as string,
        );
        if (gates.get(binding.gateId)?.incarnation === incarnation) found(binding);
      }
    }
  }

  async #liveGates(now: number): Promise<Map<string, LiveGate>> {
    const flat = (await runScript(
      this.#redis,
      LIVE_GATES,
      [this.#keys.gateLeases(), this.#keys.gateInfo()],
      [now],
    )) as string[];
    return liveGatesOf(flat);
  }

  /**
   * {@link #liveGate} now, joining a read of the same gate already under way: the binds of a
   * BindMany (all one or two gates) cost one read per gate instead of one each. A bind that joins
   * may see the registry as it was up to one round trip earlier: at worst a GATE_NOT_LIVE right
   * after the gate re-registered, which the gate answers by renewing and signing in again.
   */
  #sharedLiveGate(gateId: string): Promise<GateRecord | undefined> {
    const pending = this.#gateReads.get(gateId);
    if (pending !== undefined) return pending;
    const read = this.#liveGate(gateId, this.#clock());
    this.#gateReads.set(gateId, read);
    const done = () => this.#gateReads.delete(gateId);
    read.then(done, done);
    return read;
  }

  async #liveGate(gateId: string, now: number): Promise<GateRecord | undefined> {
    const info = (await runScript(
      this.#redis,
      LIVE_GATE,
      [this.#keys.gateLeases(), this.#keys.gateInfo()],
      [gateId, now],
    )) as string | null;
    return info === null ? undefined : decodeGateInfo(info);
  }

  /** Drops a binding's ref from its gate index once the binding itself is gone from the user hash. */
  async #unindex(binding: Binding, incarnation: number): Promise<void> {
    await this.#redis.srem(
      this.#keys.gateBindings(binding.gateId, incarnation, binding.appId),
      encodeRef(binding.userId, binding.deviceId, binding.epoch),
    );
  }
}

/** Parses LIVE_GATES's flat {gateId, leaseExpiresAt, info, ...}. */
function liveGatesOf(flat: readonly string[]): Map<string, LiveGate> {
  const gates = new Map<string, LiveGate>();
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const record = decodeGateInfo(flat[i + 2] as string);
    gates.set(flat[i] as string, { ...record, leaseExpiresAt: Number(flat[i + 1]) });
  }
  return gates;
}
