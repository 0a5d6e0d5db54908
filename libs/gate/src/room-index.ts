import type { Connection } from './connection.js';
import { appScopedKey, parseAppScopedKey } from './app-scoped-key.js';

/**
 * Which local connections subscribe to each (app, room). `add` and `remove` report the first
 * subscriber and the last one leaving, which is when the gate tells route (refcounting: route
 * knows which gates hold a room, not which connections).
 *
 * A room can be server-assigned to a connection (logic's rooms of large groups, given at sign-in or
 * by SetRoom): it is indexed like any other, but it does not count against the client's room limit
 * and a client's UNSUBSCRIBE_ROOM leaves it in place. Only connections with such rooms have an
 * entry in `assigned`, so the common connection pays nothing for it.
 */
export class RoomIndex {
  private readonly rooms = new Map<string, Set<Connection>>();
  /** Connection -> the rooms the server assigned it (a subset of `conn.rooms`). */
  private readonly assigned = new Map<Connection, Set<string>>();

  /** Number of (app, room) pairs with at least one local subscriber. */
  get size(): number {
    return this.rooms.size;
  }

  /**
   * Subscribes; true when this is the gate's first subscriber of the room. With `assigned` the room
   * is marked server-assigned on the connection (also when the client had subscribed to it).
   */
  add(appId: string, roomId: string, conn: Connection, assigned = false): boolean {
    if (assigned) {
      let mine = this.assigned.get(conn);
      if (!mine) this.assigned.set(conn, (mine = new Set()));
      mine.add(roomId);
    }
    const key = appScopedKey(appId, roomId);
    let set = this.rooms.get(key);
    const first = set === undefined;
    if (!set) this.rooms.set(key, (set = new Set()));
    set.add(conn);
    (conn.rooms ??= new Set()).add(roomId);
    return first;
  }

  /** Unsubscribes (assigned or not); true when the room lost its last local subscriber. */
  remove(appId: string, roomId: string, conn: Connection): boolean {
    const mine = this.assigned.get(conn);
    if (mine?.delete(roomId) && mine.size === 0) this.assigned.delete(conn);
    conn.rooms?.delete(roomId);
    if (conn.rooms?.size === 0) conn.rooms = undefined;
    const key = appScopedKey(appId, roomId);
    const set = this.rooms.get(key);
    if (!set?.delete(conn)) return false;
    if (set.size > 0) return false;
    this.rooms.delete(key);
    return true;
  }

  /** Local subscribers of a room (live view; do not mutate). */
  subscribers(appId: string, roomId: string): ReadonlySet<Connection> | undefined {
    return this.rooms.get(appScopedKey(appId, roomId));
  }

  /** Every (app, room) with a local subscriber: what route must know when it re-learns this gate. */
  *joined(): IterableIterator<{ appId: string; roomId: string }> {
    for (const key of this.rooms.keys()) {
      const { appId, name } = parseAppScopedKey(key);
      yield { appId, roomId: name };
    }
  }

  /** Whether `conn` subscribes to the room. */
  has(appId: string, roomId: string, conn: Connection): boolean {
    return this.rooms.get(appScopedKey(appId, roomId))?.has(conn) ?? false;
  }

  /** Whether the server assigned the room to `conn` (see the class comment). */
  isAssigned(conn: Connection, roomId: string): boolean {
    return this.assigned.get(conn)?.has(roomId) ?? false;
  }

  /** How many of the connection's rooms the server assigned. */
  assignedCount(conn: Connection): number {
    return this.assigned.get(conn)?.size ?? 0;
  }
}
