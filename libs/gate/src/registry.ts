import type { Connection } from './connection.js';
import { deviceKey } from './device-key.js';

const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
const SHARD_MASK = SHARDS - 1;

/**
 * Every connection of a gate by id, sharded over 64 Maps so that growth under churn rehashes one
 * small Map at a time instead of one huge one. Secondary indexes: signed-in connections by
 * (app, user, device) and by app (for Broadcast).
 */
export class Registry {
  private readonly shards: Map<number, Connection>[] = Array.from({ length: SHARDS }, () => new Map());
  private readonly byDevice = new Map<string, Connection>();
  private readonly byApp = new Map<string, Set<Connection>>();
  private total = 0;
  private signedIn = 0;

  /** Open connections, signed in or not. */
  get size(): number {
    return this.total;
  }

  /** Signed-in connections. */
  get signedInCount(): number {
    return this.signedIn;
  }

  add(conn: Connection): void {
    const shard = this.shards[conn.id & SHARD_MASK]!;
    if (!shard.has(conn.id)) this.total++;
    shard.set(conn.id, conn);
  }

  get(id: number): Connection | undefined {
    return this.shards[id & SHARD_MASK]!.get(id);
  }

  /** Indexes a connection that just signed in; its app/user/device fields must be set. */
  indexSignedIn(conn: Connection): void {
    this.byDevice.set(deviceKey(conn.appId, conn.userId, conn.deviceId), conn);
    let app = this.byApp.get(conn.appId);
    if (!app) this.byApp.set(conn.appId, (app = new Set()));
    if (!app.has(conn)) {
      app.add(conn);
      this.signedIn++;
    }
  }

  /** The newest local connection of a device, if any. */
  byDeviceOf(appId: string, userId: string, deviceId: string): Connection | undefined {
    return this.byDevice.get(deviceKey(appId, userId, deviceId));
  }

  /** Signed-in connections of an app (live view; do not mutate). */
  appConnections(appId: string): ReadonlySet<Connection> | undefined {
    return this.byApp.get(appId);
  }

  /** Every connection (for shutdown). */
  *all(): IterableIterator<Connection> {
    for (const shard of this.shards) yield* shard.values();
  }

  remove(conn: Connection): void {
    const shard = this.shards[conn.id & SHARD_MASK]!;
    if (shard.get(conn.id) === conn) {
      shard.delete(conn.id);
      this.total--;
    }
    if (conn.appId === '') return;
    const key = deviceKey(conn.appId, conn.userId, conn.deviceId);
    // A newer connection of the same device may have replaced this one in the index.
    if (this.byDevice.get(key) === conn) this.byDevice.delete(key);
    const app = this.byApp.get(conn.appId);
    if (app?.delete(conn)) {
      this.signedIn--;
      if (app.size === 0) this.byApp.delete(conn.appId);
    }
  }
}
