/** Where one signed-in device is connected: the gate, the connection on it, and which bind put it there. */
export interface Binding {
  readonly appId: string;
  readonly userId: string;
  readonly deviceId: string;
  /** The gate holding the connection. */
  readonly gateId: string;
  /**
   * The gate process holding the connection. A restarted gate keeps its gate id but gets a new boot
   * id, and connection ids restart in every process, so only (gateId, gateBootId, connId) names one
   * connection.
   */
  readonly gateBootId: string;
  /** The connection's id on that gate process. */
  readonly connId: string;
  /** Assigned by the store on bind; strictly greater than every earlier epoch of the same device. */
  readonly epoch: number;
  readonly platform: string;
  /** Unix milliseconds, as given by the caller of `bind`. */
  readonly boundAt: number;
}

/** A binding as the caller offers it: the store assigns the epoch. */
export type NewBinding = Omit<Binding, 'epoch'>;

/** What `bind` did. */
export interface BindResult {
  /** The epoch assigned to this bind; pass it to `unbind` when the connection closes. */
  readonly epoch: number;
  /**
   * The binding this one replaced, if any. The caller kicks that connection. Its gate may already
   * be dead (its lease lapsed before cleanup ran), so kicking it is best effort.
   */
  readonly previous?: Binding;
  /**
   * Set when this bind was NOT stored and the caller should close its own connection: a concurrent
   * bind of the same device was assigned a higher epoch and landed first (Redis only: memory binds
   * cannot interleave), or `rebind` found the device bound on another live connection.
   */
  readonly supersededBy?: Binding;
}

/** A gate as it announces itself when renewing its lease. */
export interface GateInfo {
  readonly gateId: string;
  /** Random id of the gate process, new at every start (see `renewGate`). */
  readonly bootId: string;
  /** host:port of the gate's internal gRPC service, where route delivers packets. */
  readonly grpcAddress: string;
}

/** A live gate and when its lease runs out. */
export interface GateLease extends GateInfo {
  /** Unix milliseconds; the gate is dead from this instant on unless it renews. */
  readonly leaseExpiresAt: number;
}

/** What `renewGate` did. */
export interface GateRenewal {
  readonly leaseExpiresAt: number;
  /**
   * True when this call registered the gate afresh: it had no live lease (first start, or its lease
   * lapsed), or the live lease belongs to another boot id (the process restarted). Every binding and
   * room membership it had is gone (or will be ignored until cleanup removes it), so the gate must
   * bind its connections and join its rooms again (`rebind`, `joinRoom`), or close them.
   */
  readonly registered: boolean;
}

/**
 * The route service's whole state: device bindings, the gate registry with leases, which gates hold
 * subscribers of which room, and online counts. Implementations: `MemoryRouteStore` (embedded mode,
 * one process) and `RedisRouteStore` (any number of route instances sharing one Redis or Redis
 * Cluster). Both pass the same contract suite (`routeStoreContract`).
 *
 * Guarantees:
 * - **Binding replacement is atomic per device.** A device (appId, userId, deviceId) has at most one
 *   binding. `bind` replaces it in one step and hands back the replaced one; concurrent binds of the
 *   same device leave exactly one binding, the one with the highest epoch.
 * - **Epochs are per-device monotonic.** Every bind gets an epoch strictly greater than any epoch the
 *   device ever had, including after unbinds, so `unbind(epoch)` from an old connection's close can
 *   never remove a newer binding.
 * - **Liveness comes from leases.** A gate is live while `renewGate` keeps its lease unexpired. Every
 *   read (`device`, `devicesOf`, `isOnline`, `onlineCount`, `gatesOfRoom`, `liveGates`) ignores gates
 *   whose lease has expired, at once, before any cleanup has run: a crashed gate's devices are never
 *   reported online after its lease lapses.
 * - **Cleanup is explicit and idempotent.** `expireGates` deletes expired gates with their bindings and
 *   room memberships; several route instances may run it at once, and each expired gate is reported
 *   by exactly one call. `removeGate` does the same for one gate immediately (a draining gate).
 * - **A restarted gate starts empty.** A gate process renews with its own boot id; a renewal with a
 *   boot id other than the live registration's registers the gate afresh, so a new process never
 *   inherits the old one's bindings (whose connection ids it may reuse) or rooms.
 * - **Binding and joining need a live gate.** `bind`, `rebind` and `joinRoom` on a gate without a
 *   live lease, and `bind`/`rebind` naming another boot id than the live registration's, reject with
 *   `RouteStoreError` code `GATE_NOT_LIVE`.
 * - **Tenants are disjoint.** Nothing keyed by one appId is visible under another.
 *
 * All methods are async, including in memory. Nothing expires by itself except leases: bindings and
 * room memberships live until unbound, replaced, left, or removed with their gate.
 */
export interface RouteStore {
  /** Binds a device to a connection, replacing any binding of the same device. */
  bind(binding: NewBinding): Promise<BindResult>;

  /**
   * Binds a device again for a gate that still holds its connection after route lost the gate's
   * registration. Unlike `bind`, it never replaces a binding on another live connection: then nothing
   * is stored and `supersededBy` names that binding (the gate closes its own connection). A binding
   * of the same connection, or one on a dead gate, is replaced.
   */
  rebind(binding: NewBinding): Promise<BindResult>;

  /** Removes the device's binding only if it still carries `epoch`. Resolves true when it removed one. */
  unbind(appId: string, userId: string, deviceId: string, epoch: number): Promise<boolean>;

  /** The device's binding if its gate is live. */
  device(appId: string, userId: string, deviceId: string): Promise<Binding | undefined>;

  /** Every binding on a live gate of the given users, in no particular order. */
  devicesOf(appId: string, userIds: readonly string[]): Promise<Binding[]>;

  /**
   * Registers a gate or extends its lease to now + `ttlMs`; also updates its address. A live lease is
   * extended only for the same boot id; another boot id registers the gate afresh.
   */
  renewGate(gate: GateInfo, ttlMs: number): Promise<GateRenewal>;

  /** Every gate with a live lease, ordered by gateId. */
  liveGates(): Promise<GateLease[]>;

  /** Removes a gate with all its bindings and room memberships, whether or not its lease is live. */
  removeGate(gateId: string): Promise<void>;

  /**
   * Deletes gates whose lease expired at or before `now` (default: the store's clock), with their
   * bindings and room memberships. Resolves the ids of the gates this call expired, ordered.
   */
  expireGates(now?: number): Promise<string[]>;

  /** Records that a gate holds subscribers of a room (the gate refcounts its own connections). */
  joinRoom(appId: string, roomId: string, gateId: string): Promise<void>;

  /** Records that a gate holds no more subscribers of a room. */
  leaveRoom(appId: string, roomId: string, gateId: string): Promise<void>;

  /** Live gates holding subscribers of a room, ordered by gateId. */
  gatesOfRoom(appId: string, roomId: string): Promise<string[]>;

  /**
   * Number of bindings (online devices) of an app on live gates. Exact after expiry and removal; in
   * Redis a route instance dying halfway through a bind or unbind can leave it off by one until that
   * gate is removed or expires.
   */
  onlineCount(appId: string): Promise<number>;

  /** For each user: whether any of its devices is bound on a live gate. */
  isOnline(appId: string, userIds: readonly string[]): Promise<Map<string, boolean>>;
}
