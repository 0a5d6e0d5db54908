import type { Connection } from './connection.js';
import { appScopedKey } from './app-scoped-key.js';

/**
 * A tag expression: every tag of `allOf`, at least one of `anyOf` when it is not empty, and none of
 * `noneOf`. An expression with neither `allOf` nor `anyOf` matches nothing (`noneOf` alone would
 * otherwise select almost every connection of the app).
 */
export interface TagQuery {
  allOf: readonly string[];
  anyOf: readonly string[];
  noneOf: readonly string[];
}

/**
 * Tag → connections per app, and where tag expressions are evaluated. AND is evaluated by walking
 * the smallest tag set and checking each connection's own tag set; OR is a union, deduplicated;
 * NOT is checked on each candidate's own tag set.
 *
 * A connection's tags ({@link Connection.tags}) are those it got at sign-in together with those
 * the business API granted it (server-granted). The server-granted part that sign-in would not
 * give is also kept here, per connection and only for connections that have one, so that
 * {@link setServerTags} can replace it without a field on every connection.
 */
export class TagIndex {
  private readonly tags = new Map<string, Set<Connection>>();
  /** Server-granted-only tags of the connections that have any (never an empty set). */
  private readonly granted = new Map<Connection, ReadonlySet<string>>();

  /** Indexes a connection under each of its tags (at sign-in). */
  add(appId: string, conn: Connection): void {
    if (!conn.tags) return;
    for (const tag of conn.tags) this.indexTag(appId, tag, conn);
  }

  /** Removes a connection from the index and forgets its server-granted tags. */
  remove(appId: string, conn: Connection): void {
    this.granted.delete(conn);
    if (!conn.tags) return;
    for (const tag of conn.tags) this.unindexTag(appId, tag, conn);
  }

  /** The server-granted tags of a connection that sign-in did not also give; undefined when none. */
  serverTags(conn: Connection): ReadonlySet<string> | undefined {
    return this.granted.get(conn);
  }

  /**
   * Replaces the server-granted part of an indexed connection's tags with `serverTags` and updates
   * the index. The tags it got at sign-in stay, even one that is also in the old server-granted set.
   */
  setServerTags(appId: string, conn: Connection, serverTags: Iterable<string>): void {
    const old = this.granted.get(conn);
    const signInTags = new Set<string>();
    if (conn.tags) for (const tag of conn.tags) if (!old?.has(tag)) signInTags.add(tag);
    const next = new Set<string>();
    for (const tag of serverTags) if (!signInTags.has(tag)) next.add(tag);
    if (old) for (const tag of old) if (!next.has(tag)) this.unindexTag(appId, tag, conn);
    for (const tag of next) if (!old?.has(tag)) this.indexTag(appId, tag, conn);
    for (const tag of next) signInTags.add(tag);
    conn.tags = signInTags.size > 0 ? signInTags : undefined;
    if (next.size > 0) this.granted.set(conn, next);
    else this.granted.delete(conn);
  }

  /**
   * Sets a connection's tags at sign-in, before {@link add}: `tags` as logic decided them, of which
   * `serverTags` are the server-granted ones (see SignInResponse.server_tags).
   */
  assign(conn: Connection, tags: readonly string[], serverTags: readonly string[]): void {
    conn.tags = tags.length > 0 ? new Set(tags) : undefined;
    this.granted.delete(conn);
    if (serverTags.length === 0 || !conn.tags) return;
    const granted = new Set<string>();
    for (const tag of serverTags) if (conn.tags.has(tag)) granted.add(tag);
    if (granted.size > 0) this.granted.set(conn, granted);
  }

  /** How many connections of `appId` carry `tag`. */
  count(appId: string, tag: string): number {
    return this.tags.get(appScopedKey(appId, tag))?.size ?? 0;
  }

  /** Calls `visit` once for every connection of `appId` matching `query` (see {@link TagQuery}). */
  forEachMatch(appId: string, query: TagQuery, visit: (conn: Connection) => void): void {
    const { allOf, anyOf, noneOf } = query;
    if (allOf.length > 0) {
      let smallest: Set<Connection> | undefined;
      for (const tag of allOf) {
        const set = this.tags.get(appScopedKey(appId, tag));
        if (!set) return;
        if (!smallest || set.size < smallest.size) smallest = set;
      }
      for (const conn of smallest!) {
        if (hasAll(conn, allOf) && hasAny(conn, anyOf) && !hasSome(conn, noneOf)) visit(conn);
      }
      return;
    }
    if (anyOf.length === 0) return;
    if (anyOf.length === 1) {
      const set = this.tags.get(appScopedKey(appId, anyOf[0]!));
      if (set) for (const conn of set) if (!hasSome(conn, noneOf)) visit(conn);
      return;
    }
    const seen = new Set<Connection>();
    for (const tag of anyOf) {
      const set = this.tags.get(appScopedKey(appId, tag));
      if (!set) continue;
      for (const conn of set) {
        if (seen.has(conn)) continue;
        seen.add(conn);
        if (!hasSome(conn, noneOf)) visit(conn);
      }
    }
  }

  private indexTag(appId: string, tag: string, conn: Connection): void {
    const key = appScopedKey(appId, tag);
    let set = this.tags.get(key);
    if (!set) this.tags.set(key, (set = new Set()));
    set.add(conn);
  }

  private unindexTag(appId: string, tag: string, conn: Connection): void {
    const key = appScopedKey(appId, tag);
    const set = this.tags.get(key);
    if (set?.delete(conn) && set.size === 0) this.tags.delete(key);
  }
}

function hasAll(conn: Connection, tags: readonly string[]): boolean {
  for (const tag of tags) if (!conn.tags?.has(tag)) return false;
  return true;
}

function hasAny(conn: Connection, tags: readonly string[]): boolean {
  return tags.length === 0 || hasSome(conn, tags);
}

function hasSome(conn: Connection, tags: readonly string[]): boolean {
  for (const tag of tags) if (conn.tags?.has(tag)) return true;
  return false;
}
