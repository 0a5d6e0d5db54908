import { RouteStoreError } from './route-store-error.js';

/**
 * The Redis key schema of `RedisRouteStore`, in one place. `P` is the configured prefix; ids are
 * URI-encoded so that `{`, `}` and `:` in an id can never move a key to another slot or alias another key.
 *
 * Slots: every key carries a `{hash tag}`, and the keys one Lua script touches share it, so the schema
 * works unchanged on Redis Cluster. (Two exceptions, on a single Redis only: the delivery lookup reads
 * the registry and many users' slots in one script, and a bind writes its user's slot and its gate's
 * index in one script; a Cluster store reads each user apart and binds in one-slot steps.) There
 * are four kinds of slot:
 * - `{P:gates}`: the gate registry. One slot for all gates (tens to hundreds of entries).
 * - `{P:u:<app>:<user>}`: one user's bindings. **The source of truth**: bind/unbind are one Lua script
 *   here, so replacing a device's binding is atomic without any cross-slot transaction.
 * - `{P:g:<gate>}`: one gate's indexes of its bindings and rooms. **Cleanup indexes only**: they let
 *   expiry delete a dead gate's bindings and let `onlineCount` count without scanning users. They are
 *   updated in separate steps from the user slot (all of them on a Cluster; unbinds and replaced
 *   bindings on a single Redis too), so they may briefly disagree with it.
 * - `{P:r:<app>:<room>}`: the gates holding subscribers of one room.
 *
 * Correctness never rests on those separate steps: each gate registration gets a fresh *incarnation*
 * number, bindings and room entries record the incarnation they were made under, and every read keeps
 * only entries whose gate is live with that same incarnation. A gate whose lease lapses is therefore
 * invisible at once, and a gate that comes back under the same id starts empty even while a slow
 * cleanup of its previous incarnation is still running (that cleanup only touches the old
 * incarnation's index keys and entries).
 */
export class RouteKeys {
  readonly #prefix: string;
  // Read on every delivery: built once.
  readonly #gateLeases: string;
  readonly #gateInfo: string;

  constructor(prefix: string) {
    if (prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new RouteStoreError(
        'INVALID_ARGUMENT',
        'a Redis key prefix must be non-empty and contain no braces',
      );
    }
    this.#prefix = prefix;
    this.#gateLeases = `{${prefix}:gates}:lease`;
    this.#gateInfo = `{${prefix}:gates}:info`;
  }

  /** Glob matching every key of this prefix (for SCAN in tests and operations). */
  pattern(): string {
    return `{${escapeGlob(this.#prefix)}:*`;
  }

  /** zset gateId -> lease expiry (unix ms) of every registered gate; expiry scans use the score. */
  gateLeases(): string {
    return this.#gateLeases;
  }

  /** hash gateId -> "<incarnation>|<bootId>|<grpcAddress>" of every registered gate. */
  gateInfo(): string {
    return this.#gateInfo;
  }

  /** string counter -> last incarnation number handed to a (re)registering gate. */
  gateIncarnations(): string {
    return `{${this.#prefix}:gates}:incarnation`;
  }

  /** set of "<incarnation>:<gateId>" claimed as dead and awaiting cleanup of their indexes. */
  deadGates(): string {
    return `{${this.#prefix}:gates}:dead`;
  }

  /** hash deviceId -> binding JSON (with the gate incarnation) of one user: the source of truth. */
  userBindings(appId: string, userId: string): string {
    return `{${this.#prefix}:u:${enc(appId)}:${enc(userId)}}:bindings`;
  }

  /** hash deviceId -> last epoch handed out for that device; never shrinks, so epochs never repeat. */
  userEpochs(appId: string, userId: string): string {
    return `{${this.#prefix}:u:${enc(appId)}:${enc(userId)}}:epochs`;
  }

  /** set of appIds with a binding index under one gate incarnation, so cleanup can find those indexes. */
  gateApps(gateId: string, incarnation: number): string {
    return `{${this.#prefix}:g:${enc(gateId)}}:${incarnation}:apps`;
  }

  /** set of binding refs "<user>:<device>:<epoch>" of one app under one gate incarnation; SCARD = its online count. */
  gateBindings(gateId: string, incarnation: number, appId: string): string {
    return `{${this.#prefix}:g:${enc(gateId)}}:${incarnation}:b:${enc(appId)}`;
  }

  /** set of "<app>:<room>" one gate incarnation joined, so cleanup can leave them. */
  gateRooms(gateId: string, incarnation: number): string {
    return `{${this.#prefix}:g:${enc(gateId)}}:${incarnation}:rooms`;
  }

  /** hash gateId -> incarnation of the gates holding subscribers of one room. */
  room(appId: string, roomId: string): string {
    return `{${this.#prefix}:r:${enc(appId)}:${enc(roomId)}}`;
  }
}

/** Ids `encodeURIComponent` and the escapes below leave as they are: the usual ids skip both. */
const PLAIN_ID = /^[A-Za-z0-9_.-]*$/;

/** Encodes one id inside a key or set member: no braces, colons or glob characters survive. */
export function enc(id: string): string {
  if (PLAIN_ID.test(id)) return id;
  return encodeURIComponent(id).replace(
    /[*?[\]\\!'()~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Reverses `enc`. */
export function dec(encoded: string): string {
  return decodeURIComponent(encoded);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
