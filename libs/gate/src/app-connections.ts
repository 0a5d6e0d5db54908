import type { Connection } from './connection.js';

/**
 * The signed-in connections of one app on a gate, found through their user id (a string every
 * connection already holds, so the index adds no key string per connection): a user with one
 * connection on this gate (the usual case) costs one Map entry and nothing else, and a list is
 * made only for a user with several. There is no second set of every connection: Broadcast walks
 * the users.
 */
export class AppConnections {
  /** User id → its signed-in connections, oldest first: the connection, or a list of them. */
  private readonly byUser = new Map<string, Connection | Connection[]>();
  private count = 0;

  /** `appId` is the one copy of the app id that every connection of the app shares. */
  constructor(readonly appId: string) {}

  get size(): number {
    return this.count;
  }

  /** The newest connection of a device, if any. */
  device(userId: string, deviceId: string): Connection | undefined {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return undefined;
    if (!Array.isArray(entry)) return entry.deviceId === deviceId ? entry : undefined;
    for (let i = entry.length - 1; i >= 0; i--) if (entry[i]!.deviceId === deviceId) return entry[i];
    return undefined;
  }

  /**
   * Every connection, user by user. Safe to remove connections while walking (a fan-out cuts off a
   * slow consumer as it goes): a user's list is copied before it is walked.
   */
  *connections(): IterableIterator<Connection> {
    for (const entry of this.byUser.values()) {
      if (Array.isArray(entry)) yield* [...entry];
      else yield entry;
    }
  }

  /**
   * Adds a connection, the newest of its device from now on; true when it was not here yet. Its
   * user and device fields must be set and must not change while it is here.
   */
  add(conn: Connection): boolean {
    const userId = conn.userId;
    const entry = this.byUser.get(userId);
    if (entry === conn || (Array.isArray(entry) && entry.includes(conn))) return false;
    if (entry === undefined) this.byUser.set(userId, conn);
    else if (Array.isArray(entry)) entry.push(conn);
    else this.byUser.set(userId, [entry, conn]);
    this.count++;
    return true;
  }

  /** Removes a connection; true when it was here. */
  remove(conn: Connection): boolean {
    const userId = conn.userId;
    const entry = this.byUser.get(userId);
    if (entry === conn) {
      this.byUser.delete(userId);
    } else {
      const i = Array.isArray(entry) ? entry.indexOf(conn) : -1;
      if (i < 0) return false;
      const list = entry as Connection[];
      list.splice(i, 1);
      if (list.length === 1) this.byUser.set(userId, list[0]!);
    }
    this.count--;
    return true;
  }
}
