import type { Connection } from './connection.js';
import { appScopedKey, parseAppScopedKey } from './app-scoped-key.js';

/**
 * Which local connections subscribe to each (app, room). `add` and `remove` report the first
 * subscriber and the last one leaving, which is when the gate tells route (refcounting: route
 * knows which gates hold a room, not which connections).
 */
export class RoomIndex {
  private readonly rooms = new Map<string, Set<Connection>>();

  /** Number of (app, room) pairs with at least one local subscriber. */
  get size(): number {
    return this.rooms.size;
  }

  /** Subscribes; true when this is the gate's first subscriber of the room. */
  add(appId: string, roomId: string, conn: Connection): boolean {
    const key = appScopedKey(appId, roomId);
    let set = this.rooms.get(key);
    const first = set === undefined;
    if (!set) this.rooms.set(key, (set = new Set()));
    set.add(conn);
    (conn.rooms ??= new Set()).add(roomId);
    return first;
  }

  /** Unsubscribes; true when the room lost its last local subscriber. */
  remove(appId: string, roomId: string, conn: Connection): boolean {
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
}
