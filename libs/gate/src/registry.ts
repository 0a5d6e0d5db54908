import { AppConnections } from './app-connections.js';
import type { Connection } from './connection.js';

const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
const SHARD_MASK = SHARDS - 1;

/**
 * Every connection of a gate by id, sharded over 64 Maps so that growth under churn rehashes one
 * small Map at a time instead of one huge one. Signed-in connections are also indexed per app
 * (for Broadcast) and by (app, user, device), see {@link AppConnections}.
 */
export class Registry {
  private readonly shards: Map<number, Connection>[] = Array.from({ length: SHARDS }, () => new Map());
  private readonly apps = new Map<string, AppConnections>();
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

  /**
   * Indexes a connection that just signed in; its app/user/device fields must be set. Its `appId`
   * is replaced by the equal string the app's index holds: logic sends a fresh copy with every
   * sign-in, and one shared copy per app is enough.
   */
  indexSignedIn(conn: Connection): void {
    let app = this.apps.get(conn.appId);
    if (!app) this.apps.set(conn.appId, (app = new AppConnections(conn.appId)));
    conn.appId = app.appId;
    if (app.add(conn)) this.signedIn++;
  }

  /** The newest local connection of a device, if any. */
  byDeviceOf(appId: string, userId: string, deviceId: string): Connection | undefined {
    return this.apps.get(appId)?.device(userId, deviceId);
  }

  /** Signed-in connections of an app (none when it has none here); see AppConnections.connections. */
  appConnections(appId: string): Iterable<Connection> {
    return this.apps.get(appId)?.connections() ?? [];
  }

  /** How many connections of an app are signed in here. */
  appSize(appId: string): number {
    return this.apps.get(appId)?.size ?? 0;
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
    const app = this.apps.get(conn.appId);
    if (!app?.remove(conn)) return;
    this.signedIn--;
    if (app.size === 0) this.apps.delete(conn.appId);
  }
}
