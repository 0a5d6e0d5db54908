import { Metadata, type Deadline } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import type { Delivery, GateServiceClient, RoomPacket, TagExpression, Target } from '@switchboard/proto/conn';
import { LogSummary, type Logger } from '@switchboard/log';
import { call, deadlineOf, RpcError } from '@switchboard/rpc';
import {
  RouteStoreError,
  type Binding,
  type GateRenewal,
  type NewBinding,
  type RouteStore,
} from '@switchboard/route-store';
import type { GateState } from '@switchboard/proto/route';
import type { GatePool } from './gate-pool.js';
import { routeCounters } from './route-metrics.js';

/**
 * One encoded client Packet for the online devices of some users (one entry per distinct packet):
 * logic's `UserPacket`, as DeliverToUsers carries it.
 */
export interface UserPacket {
  userIds: readonly string[];
  /** Empty when `message` is set. */
  packet: Buffer;
  /**
   * Instead of `packet`: a Message encoded without a seq, of which userIds[i] gets the MESSAGE push
   * carrying seqs[i]; it goes to each gate once, with each target's seq (Delivery.message).
   */
  message?: Buffer;
  seqs?: readonly number[];
  /** A device that must not get this packet (the sender's own, which has the response). */
  exclude?: { userId: string; deviceId: string };
}

export interface DeliveryStats {
  delivered: number;
  failedGates: number;
  /** deliverToUsers only (empty otherwise): users with a device on a gate that could not be reached. */
  unreachedUserIds: string[];
  /** deliverToUsers only (empty otherwise): users of the request with no binding on a live gate. */
  offlineUserIds: string[];
}

/** GetCounts: the store's counts, and the gates' sums of room subscribers and tagged connections. */
export interface Counts {
  onlineDevices: number;
  /** Gates holding at least one subscriber of the room. */
  roomGates: number;
  gates: number;
  roomSubscribers: number;
  tagConnections: number;
  /** Gates asked that did not answer: their connections are missing from the sums. */
  failedGates: number;
}

/** A session a gate still holds (as logic verified it at sign-in) and wants bound again. */
export interface HeldSession {
  appId: string;
  userId: string;
  deviceId: string;
  connId: string;
  platform: string;
  /** Unix milliseconds of this re-bind. */
  boundAt: number;
}

/** What became of one held session: bound again with a new epoch, or held elsewhere now. */
export type RebindOutcome = { epoch: number; superseded: false } | { epoch: 0; superseded: true };

/** Deliveries for one gate process, as one Deliver call. */
interface GateDeliveries {
  appId: string;
  bootId: string;
  deliveries: Delivery[];
  /** Users with a target in this call, to report when the gate cannot be reached. */
  userIds: Set<string>;
}

/** How many sessions of one RebindGate call are re-bound at once. */
const REBIND_CONCURRENCY = 64;

/**
 * The longest a Count or Stats call to one gate may take, below the gate-call timeout: these only
 * read counters, and their callers (logic's GetServerStats and room/tag counts, themselves bound by
 * logic's route timeout, the same 5 s by default) answer with the gates that did answer, naming
 * the others failed or unreachable. A gate that accepts calls but cannot answer a counter read in
 * this long would otherwise make the whole answer time out.
 */
export const GATE_READ_TIMEOUT_MS = 1_000;

/**
 * The caller of a delivery as far as the service needs it: a grpc-js server call or the stream
 * transport's stand-in (`DetachedCall`). grpc-js marks a unary call `cancelled` when its client
 * resets the stream, not when the server's own deadline timer answers it: the deadline is read too.
 */
export interface DeliveryCaller {
  readonly cancelled: boolean;
  getDeadline(): Deadline;
}

const NOT_CANCELLABLE: DeliveryCaller = { cancelled: false, getDeadline: () => Infinity };

/** Whether nobody waits for the answer any more: the call was cancelled or its deadline passed. */
function callerGone(caller: DeliveryCaller): boolean {
  return caller.cancelled || Date.now() >= deadlineOf(caller);
}

/**
 * Route's decisions: bind devices (kicking the one replaced), and deliver
 * packets by grouping targets per gate and calling each gate once per request,
 * all gates in parallel. A gate that cannot be reached is counted, not retried:
 * its devices get the messages by sync when they reconnect.
 */
export class RouteService {
  readonly counters = routeCounters();

  /** A gate down fails every call to it: one summary line per interval, not one per call. */
  private readonly deliveryFailures: LogSummary;
  private readonly kickFailures: LogSummary;
  private readonly countFailures: LogSummary;
  private readonly tagFailures: LogSummary;
  private readonly gateReadTimeoutMs: number;
  private readonly roomFailures: LogSummary;

  constructor(
    private readonly store: RouteStore,
    private readonly gates: GatePool,
    private readonly log: Logger,
    private readonly gateCallTimeoutMs: number,
  ) {
    this.gateReadTimeoutMs = Math.min(gateCallTimeoutMs, GATE_READ_TIMEOUT_MS);
    this.deliveryFailures = new LogSummary(log, 'deliveries to a gate failed; its devices catch up by sync');
    this.kickFailures = new LogSummary(log, 'kicks failed');
    this.countFailures = new LogSummary(log, 'Count or Stats calls to a gate failed; counts are low');
    this.tagFailures = new LogSummary(
      log,
      'SetTags calls to a gate failed; its connections keep their old tags',
    );
    this.roomFailures = new LogSummary(
      log,
      'SetRoom calls to a gate failed; its connections keep their old rooms',
    );
  }

  async bind(binding: NewBinding): Promise<{ epoch: number; previous?: Binding }> {
    const result = await this.store.bind(binding).catch(gateNotLive(binding.gateId));
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

  renewLease(gateId: string, bootId: string, grpcAddress: string, ttlMs: number): Promise<GateRenewal> {
    return this.store.renewGate({ gateId, bootId, grpcAddress }, ttlMs).then((renewal) => {
      if (renewal.registered) {
        this.gates.invalidate();
        this.log.info({ gateId, bootId, grpcAddress }, 'gate registered');
      }
      return renewal;
    });
  }

  /**
   * Binds again the sessions a gate still holds after route lost its registration, and re-joins its
   * rooms. A device bound on another live connection meanwhile is left there (`superseded`): the gate
   * closes its own connection. Outcomes come back in request order.
   */
  async rebindGate(
    gateId: string,
    bootId: string,
    sessions: readonly HeldSession[],
    rooms: ReadonlyArray<{ appId: string; roomId: string }>,
  ): Promise<RebindOutcome[]> {
    const outcomes: RebindOutcome[] = new Array<RebindOutcome>(sessions.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < sessions.length) {
        const i = next++;
        const s = sessions[i] as HeldSession;
        const r = await this.store.rebind({ ...s, gateId, gateBootId: bootId }).catch(gateNotLive(gateId));
        outcomes[i] = r.supersededBy ? { epoch: 0, superseded: true } : { epoch: r.epoch, superseded: false };
      }
    };
    await Promise.all(Array.from({ length: Math.min(REBIND_CONCURRENCY, sessions.length) }, worker));
    for (const room of rooms) {
      await this.store.joinRoom(room.appId, room.roomId, gateId).catch(gateNotLive(gateId));
    }
    this.counters.add('rebinds', sessions.length);
    return outcomes;
  }

  async removeGate(gateId: string): Promise<void> {
    await this.store.removeGate(gateId);
    this.gates.invalidate();
    this.log.info({ gateId }, 'gate removed');
  }

  joinRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    return this.store.joinRoom(appId, roomId, gateId).catch(gateNotLive(gateId));
  }

  leaveRoom(appId: string, roomId: string, gateId: string): Promise<void> {
    return this.store.leaveRoom(appId, roomId, gateId);
  }

  /**
   * Looks the users up once, then sends each gate one Deliver with all its packets. Each target names
   * the user and device route believes hold the connection, so a gate never writes one user's packet
   * to another's connection even if this view is stale.
   */
  async deliverToUsers(
    appId: string,
    packets: readonly UserPacket[],
    caller: DeliveryCaller = NOT_CANCELLABLE,
  ): Promise<DeliveryStats> {
    const userIds = new Set<string>();
    for (const p of packets) for (const u of p.userIds) userIds.add(u);
    if (userIds.size === 0) return statsOf({ delivered: 0, failed: [] });
    const byUser = byUserOf(await this.store.devicesOf(appId, [...userIds]));
    if (callerGone(caller)) return this.abandoned();
    // Offline comes from the same lookup: a user with no binding at all (an excluded sender's own
    // device still counts as a binding, so the sender is never offline).
    const offline: string[] = [];
    for (const u of userIds) if (!byUser.has(u)) offline.push(u);
    const perGate = new Map<string, GateDeliveries>();
    // This packet's Delivery per gate; one map for the whole request, emptied per packet.
    const targetsByGate = new Map<string, Delivery>();
    for (const userPacket of packets) {
      const { exclude, seqs } = userPacket;
      const message = userPacket.message ?? EMPTY;
      targetsByGate.clear();
      for (let u = 0; u < userPacket.userIds.length; u++) {
        const userId = userPacket.userIds[u]!;
        const seq = seqs ? (seqs[u] ?? 0) : 0;
        for (const b of byUser.get(userId) ?? NO_BINDINGS) {
          if (exclude && exclude.userId === b.userId && exclude.deviceId === b.deviceId) continue;
          const gate = gateCall(perGate, appId, b);
          let delivery = targetsByGate.get(b.gateId);
          if (delivery === undefined) {
            delivery = { packet: userPacket.packet, targets: [], message };
            targetsByGate.set(b.gateId, delivery);
            gate.deliveries.push(delivery);
          }
          delivery.targets.push(targetOf(b, seq));
          gate.userIds.add(b.userId);
        }
      }
    }
    const result = await this.deliverPerGate(perGate);
    const unreached = new Set<string>();
    for (const gateId of result.failed) for (const u of perGate.get(gateId)?.userIds ?? []) unreached.add(u);
    return statsOf(result, [...unreached], offline);
  }

  async deliverToDevices(
    appId: string,
    devices: ReadonlyArray<{ userId: string; deviceId: string }>,
    packet: Buffer,
    caller: DeliveryCaller = NOT_CANCELLABLE,
  ): Promise<DeliveryStats> {
    const wanted = new Set(devices.map((d) => `${d.userId}\u0000${d.deviceId}`));
    const bindings = await this.store.devicesOf(appId, [...new Set(devices.map((d) => d.userId))]);
    if (callerGone(caller)) return this.abandoned();
    const perGate = new Map<string, GateDeliveries>();
    for (const b of bindings) {
      if (!wanted.has(`${b.userId}\u0000${b.deviceId}`)) continue;
      const call = gateCall(perGate, appId, b);
      const first = call.deliveries[0];
      if (first) first.targets.push(targetOf(b));
      else call.deliveries.push({ packet, targets: [targetOf(b)], message: EMPTY });
    }
    return statsOf(await this.deliverPerGate(perGate));
  }

  /**
   * `exclude`: the sender's device, which has its response; `more`: further packets of a burst,
   * pushed after `packet` in order (see DeliverToRoomRequest).
   */
  async deliverToRoom(
    appId: string,
    roomId: string,
    packet: Buffer,
    exclude: { userId: string; deviceId: string } = { userId: '', deviceId: '' },
    more: readonly RoomPacket[] = [],
    caller: DeliveryCaller = NOT_CANCELLABLE,
  ): Promise<DeliveryStats> {
    const gateIds = await this.store.gatesOfRoom(appId, roomId);
    if (callerGone(caller)) return this.abandoned();
    const request = {
      appId,
      roomId,
      packet,
      excludeUserId: exclude.userId,
      excludeDeviceId: exclude.deviceId,
      more: [...more],
    };
    const result = await this.fanOut(gateIds, (client) =>
      call(client, client.pushRoom, request, new Metadata(), this.gateCallTimeoutMs),
    );
    return statsOf(result);
  }

  async deliverToTags(appId: string, expression: TagExpression, packet: Buffer): Promise<DeliveryStats> {
    const gates = await this.gates.all();
    const result = await this.fanOut(
      gates.map((g) => g.gateId),
      (client) =>
        call(client, client.pushTags, { appId, expression, packet }, new Metadata(), this.gateCallTimeoutMs),
    );
    return statsOf(result);
  }

  async deliverToAll(appId: string, packet: Buffer): Promise<DeliveryStats> {
    const gates = await this.gates.all();
    const result = await this.fanOut(
      gates.map((g) => g.gateId),
      (client) => call(client, client.broadcast, { appId, packet }, new Metadata(), this.gateCallTimeoutMs),
    );
    return statsOf(result);
  }

  /**
   * A delivery whose caller went away while its targets were looked up: nobody waits for its
   * answer, and the caller's retry (logic tries a failed push again) or the devices' sync brings
   * the packet; calling the gates now would only add late, doubled pushes to an overloaded system.
   */
  private abandoned(): DeliveryStats {
    this.counters.add('deliveries_abandoned');
    return statsOf({ delivered: 0, failed: [] });
  }

  presence(appId: string, userIds: readonly string[]): Promise<Binding[]> {
    return this.store.devicesOf(appId, userIds);
  }

  /**
   * Online devices and gates from the store; when a room or a tag is named, every live gate is also
   * asked to Count its subscribers of the room and its connections carrying the tag (all gates in
   * parallel, each within the gate-call timeout), and the answers are summed.
   */
  async counts(appId: string, roomId: string, tag: string): Promise<Counts> {
    const [onlineDevices, roomGates, gates, local] = await Promise.all([
      this.store.onlineCount(appId),
      roomId ? this.store.gatesOfRoom(appId, roomId).then((g) => g.length) : Promise.resolve(0),
      this.store.liveGates().then((g) => g.length),
      roomId || tag ? this.countOnGates(appId, roomId, tag) : undefined,
    ]);
    return {
      onlineDevices,
      roomGates,
      gates,
      roomSubscribers: local?.roomSubscribers ?? 0,
      tagConnections: local?.tagConnections ?? 0,
      failedGates: local?.failedGates ?? 0,
    };
  }

  /**
   * Every live gate with its lease, and its own counters from a Stats call (all gates in parallel,
   * each within {@link GATE_READ_TIMEOUT_MS}; one that does not answer is listed unreachable with
   * zeros).
   */
  async listGates(): Promise<{ gates: GateState[]; now: number }> {
    const leases = await this.store.liveGates();
    const now = Date.now();
    this.counters.add('gate_stats_calls', leases.length);
    const gates = await Promise.all(
      leases.map(async (lease): Promise<GateState> => {
        const state: GateState = {
          gateId: lease.gateId,
          grpcAddress: lease.grpcAddress,
          leaseExpiresAt: lease.leaseExpiresAt,
          reachable: false,
          connections: 0,
          signedIn: 0,
          rooms: 0,
          packetsIn: 0,
          packetsOut: 0,
          bytesOut: 0,
          slowCloses: 0,
          startedAt: 0,
        };
        const client = await this.gates.get(lease.gateId);
        if (!client) return state;
        try {
          const s = await call(client, client.stats, {}, new Metadata(), this.gateReadTimeoutMs);
          const { gateId: _, ...numbers } = s;
          return { ...state, ...numbers, reachable: true };
        } catch (err) {
          this.counters.add('failed_gate_calls');
          this.countFailures.add({ err: errorText(err), gateId: lease.gateId });
          return state;
        }
      }),
    );
    return { gates, now };
  }

  /**
   * Replaces the server-granted tags of every connection of a user: one SetTags per gate holding
   * the user's devices, all gates in parallel, each target named like a Deliver target (so a stale
   * binding never retags another user's connection). Connections signing in meanwhile get the tags
   * from logic (SignInResponse.server_tags).
   */
  async setUserTags(
    appId: string,
    userId: string,
    tags: readonly string[],
  ): Promise<{ updated: number; failedGates: number }> {
    this.counters.add('set_user_tags');
    const perGate = targetsPerGate(await this.store.devicesOf(appId, [userId]));
    this.counters.add('gate_set_tags_calls', perGate.size);
    return this.updateOnGates(
      perGate,
      (client, bootId, targets) =>
        call(
          client,
          client.setTags,
          { appId, bootId, targets, tags: [...tags] },
          new Metadata(),
          this.gateCallTimeoutMs,
        ),
      this.tagFailures,
    );
  }

  /**
   * Puts every live connection of some users into a room, or takes them out of it: one SetRoom per
   * gate holding their devices, all gates in parallel, each target named like a Deliver target. The
   * gates join the room at route themselves (JoinRoom for their first member), as for a client's
   * SUBSCRIBE_ROOM. Connections signing in meanwhile get their rooms from logic
   * (SignInResponse.rooms).
   */
  async setUsersRoom(
    appId: string,
    roomId: string,
    userIds: readonly string[],
    join: boolean,
  ): Promise<{ updated: number; failedGates: number }> {
    this.counters.add('set_users_room');
    if (userIds.length === 0) return { updated: 0, failedGates: 0 };
    const perGate = targetsPerGate(await this.store.devicesOf(appId, [...new Set(userIds)]));
    this.counters.add('gate_set_room_calls', perGate.size);
    return this.updateOnGates(
      perGate,
      (client, bootId, targets) =>
        call(
          client,
          client.setRoom,
          { appId, bootId, targets, roomId, join },
          new Metadata(),
          this.gateCallTimeoutMs,
        ),
      this.roomFailures,
    );
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
        {
          connId: Number(binding.connId),
          epoch: binding.epoch,
          code,
          reason,
          appId: binding.appId,
          userId: binding.userId,
          deviceId: binding.deviceId,
          bootId: binding.gateBootId,
        },
        new Metadata(),
        this.gateCallTimeoutMs,
      );
      return res.kicked;
    } catch (err) {
      this.kickFailures.add({ err: errorText(err), gateId: binding.gateId, connId: binding.connId });
      return false;
    }
  }

  private deliverPerGate(perGate: Map<string, GateDeliveries>): Promise<FanOutResult> {
    return this.fanOut([...perGate.keys()], (client, gateId) => {
      const { appId, bootId, deliveries } = perGate.get(gateId) as GateDeliveries;
      return call(
        client,
        client.deliver,
        { appId, bootId, deliveries },
        new Metadata(),
        this.gateCallTimeoutMs,
      );
    });
  }

  /**
   * Sends each gate of `perGate` one call naming its targets under its boot id (SetTags, SetRoom),
   * all gates in parallel, and sums the connections the gates updated.
   */
  private async updateOnGates(
    perGate: ReadonlyMap<string, GateTargets>,
    send: (client: GateServiceClient, bootId: string, targets: Target[]) => Promise<{ updated: number }>,
    failures: LogSummary,
  ): Promise<{ updated: number; failedGates: number }> {
    const { answers, failed } = await this.askGates(
      [...perGate.keys()],
      (client, gateId) => {
        const { bootId, targets } = perGate.get(gateId)!;
        return send(client, bootId, targets);
      },
      failures,
    );
    let updated = 0;
    for (const a of answers) updated += a.updated;
    return { updated, failedGates: failed.length };
  }

  private async countOnGates(
    appId: string,
    roomId: string,
    tag: string,
  ): Promise<{ roomSubscribers: number; tagConnections: number; failedGates: number }> {
    const gates = await this.gates.all();
    this.counters.add('gate_count_calls', gates.length);
    const { answers, failed } = await this.askGates(
      gates.map((g) => g.gateId),
      (client) => call(client, client.count, { appId, roomId, tag }, new Metadata(), this.gateReadTimeoutMs),
      this.countFailures,
    );
    let roomSubscribers = 0;
    let tagConnections = 0;
    for (const a of answers) {
      roomSubscribers += a.roomSubscribers;
      tagConnections += a.tagConnections;
    }
    return { roomSubscribers, tagConnections, failedGates: failed.length };
  }

  private async fanOut(
    gateIds: readonly string[],
    send: (client: GateServiceClient, gateId: string) => Promise<{ delivered: number }>,
  ): Promise<FanOutResult> {
    const { answers, failed } = await this.askGates(gateIds, send, this.deliveryFailures);
    this.counters.add('deliveries');
    let delivered = 0;
    for (const a of answers) delivered += a.delivered;
    this.counters.add('delivered', delivered);
    return { delivered, failed };
  }

  /**
   * Calls every gate of `gateIds` at once and waits for all; a gate that is not live or fails is
   * reported in `failed` (and summarized in `failures`), not retried. Counts each failed gate call.
   */
  private async askGates<T>(
    gateIds: readonly string[],
    send: (client: GateServiceClient, gateId: string) => Promise<T>,
    failures: LogSummary,
  ): Promise<{ answers: T[]; failed: string[] }> {
    const results = await Promise.all(
      gateIds.map(async (gateId): Promise<{ ok: true; value: T } | { ok: false }> => {
        const client = await this.gates.get(gateId);
        if (!client) return { ok: false };
        try {
          return { ok: true, value: await send(client, gateId) };
        } catch (err) {
          failures.add({ err: errorText(err), gateId });
          return { ok: false };
        }
      }),
    );
    const answers: T[] = [];
    const failed: string[] = [];
    results.forEach((r, i) => {
      if (r.ok) answers.push(r.value);
      else failed.push(gateIds[i] as string);
    });
    this.counters.add('failed_gate_calls', failed.length);
    return { answers, failed };
  }
}

interface FanOutResult {
  delivered: number;
  /** Ids of the gates that could not be reached. */
  failed: string[];
}

function statsOf(
  result: FanOutResult,
  unreachedUserIds: string[] = [],
  offlineUserIds: string[] = [],
): DeliveryStats {
  return { delivered: result.delivered, failedGates: result.failed.length, unreachedUserIds, offlineUserIds };
}

const NO_BINDINGS: readonly Binding[] = [];

function byUserOf(bindings: readonly Binding[]): Map<string, Binding[]> {
  const byUser = new Map<string, Binding[]>();
  for (const b of bindings) {
    const list = byUser.get(b.userId);
    if (list) list.push(b);
    else byUser.set(b.userId, [b]);
  }
  return byUser;
}

/** The Deliver call for a binding's gate, created on first use. */
function gateCall(perGate: Map<string, GateDeliveries>, appId: string, b: Binding): GateDeliveries {
  let entry = perGate.get(b.gateId);
  if (entry === undefined) {
    // Every live binding of one gate comes from its current registration, so one boot id per call.
    entry = { appId, bootId: b.gateBootId, deliveries: [], userIds: new Set() };
    perGate.set(b.gateId, entry);
  }
  return entry;
}

/** One gate's targets of a SetTags or SetRoom call, and the boot id of its live registration. */
interface GateTargets {
  bootId: string;
  targets: Target[];
}

/** The bindings' targets grouped per gate. */
function targetsPerGate(bindings: readonly Binding[]): Map<string, GateTargets> {
  const perGate = new Map<string, GateTargets>();
  for (const b of bindings) {
    let entry = perGate.get(b.gateId);
    if (!entry) perGate.set(b.gateId, (entry = { bootId: b.gateBootId, targets: [] }));
    entry.targets.push(targetOf(b));
  }
  return perGate;
}

/** `seq`: the user's inbox seq in a Delivery of a message (0 otherwise). */
function targetOf(b: Binding, seq = 0): Target {
  return { connId: Number(b.connId), epoch: b.epoch, userId: b.userId, deviceId: b.deviceId, seq };
}

const EMPTY = Buffer.alloc(0);

/** Maps the store's "no live lease for this gate process" to GATE_RESET: the gate must renew first. */
function gateNotLive(gateId: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof RouteStoreError && err.code === 'GATE_NOT_LIVE') {
      throw new RpcError(ErrorCode.ERROR_CODE_GATE_RESET, `gate ${gateId} holds no live lease; renew it`);
    }
    throw err;
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
