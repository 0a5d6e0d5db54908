import type { Connection } from './connection.js';

/**
 * The signed-in connections of one app on a gate: all of them (for Broadcast), and the newest
 * connection of each device (a device that signs in again replaces its older connection here).
 *
 * Devices are found through their user id, a string every connection already holds, so the
 * lookup adds no key string per connection; a user with one device on this gate (the usual case)
 * costs one Map entry, and a list is made only for a user with several.
 */
export class AppConnections {
  /** Every signed-in connection of the app (live view for fan-out; do not mutate). */
  readonly all = new Set<Connection>();
  /** User id → the newest connection of each of its devices: the connection, or a list of them. */
  private readonly byUser = new Map<string, Connection | Connection[]>();

  /** `appId` is the one copy of the app id that every connection of the app shares. */
  constructor(readonly appId: string) {}

  get size(): number {
    return this.all.size;
  }

  /** The newest connection of a device, if any. */
  device(userId: string, deviceId: string): Connection | undefined {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return undefined;
    if (!Array.isArray(entry)) return entry.deviceId === deviceId ? entry : undefined;
    return entry.find((conn) => conn.deviceId === deviceId);
  }

  /**
   * Adds a connection and makes it its device's newest; true when it was not in {@link all} yet.
   * Its user and device fields must be set and must not change while it is here.
   */
  add(conn: Connection): boolean {
    const userId = conn.userId;
    const entry = this.byUser.get(userId);
    if (entry === undefined || entry === conn) {
      this.byUser.set(userId, conn);
    } else if (!Array.isArray(entry)) {
      this.byUser.set(userId, entry.deviceId === conn.deviceId ? conn : [entry, conn]);
    } else {
      const i = entry.findIndex((other) => other.deviceId === conn.deviceId);
      if (i >= 0) entry[i] = conn;
      else entry.push(conn);
    }
    if (this.all.has(conn)) return false;
    this.all.add(conn);
    return true;
  }

  /**
   * Removes a connection; its device's entry goes only if it still is this connection (a newer
   * one may have replaced it). True when it was in {@link all}.
   */
  remove(conn: Connection): boolean {
    const userId = conn.userId;
    const entry = this.byUser.get(userId);
    if (entry === conn) {
      this.byUser.delete(userId);
    } else if (Array.isArray(entry)) {
      const i = entry.indexOf(conn);
      if (i >= 0) {
        entry.splice(i, 1);
        if (entry.length === 1) this.byUser.set(userId, entry[0]!);
      }
    }
    return this.all.delete(conn);
  }
}
