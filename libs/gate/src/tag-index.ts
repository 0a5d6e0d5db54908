import type { Connection } from './connection.js';
import { appScopedKey } from './app-scoped-key.js';

/** A tag expression: every tag of `allOf`, and at least one of `anyOf` when it is not empty. */
export interface TagQuery {
  allOf: readonly string[];
  anyOf: readonly string[];
}

/**
 * Tag → connections per app. AND is evaluated by walking the smallest tag set and checking each
 * connection's own tag set; OR is a union, deduplicated.
 */
export class TagIndex {
  private readonly tags = new Map<string, Set<Connection>>();

  add(appId: string, conn: Connection): void {
    if (!conn.tags) return;
    for (const tag of conn.tags) {
      const key = appScopedKey(appId, tag);
      let set = this.tags.get(key);
      if (!set) this.tags.set(key, (set = new Set()));
      set.add(conn);
    }
  }

  remove(appId: string, conn: Connection): void {
    if (!conn.tags) return;
    for (const tag of conn.tags) {
      const key = appScopedKey(appId, tag);
      const set = this.tags.get(key);
      if (set?.delete(conn) && set.size === 0) this.tags.delete(key);
    }
  }

  /**
   * Calls `visit` once for every connection of `appId` matching `query`. An expression with both
   * lists empty matches every connection in `everyone` (the app's signed-in connections), as the
   * TagExpression contract reads.
   */
  forEachMatch(
    appId: string,
    query: TagQuery,
    everyone: ReadonlySet<Connection> | undefined,
    visit: (conn: Connection) => void,
  ): void {
    if (query.allOf.length > 0) {
      let smallest: Set<Connection> | undefined;
      for (const tag of query.allOf) {
        const set = this.tags.get(appScopedKey(appId, tag));
        if (!set) return;
        if (!smallest || set.size < smallest.size) smallest = set;
      }
      for (const conn of smallest!) {
        if (hasAll(conn, query.allOf) && hasAny(conn, query.anyOf)) visit(conn);
      }
      return;
    }
    if (query.anyOf.length === 0) {
      if (everyone) for (const conn of everyone) visit(conn);
      return;
    }
    if (query.anyOf.length === 1) {
      const set = this.tags.get(appScopedKey(appId, query.anyOf[0]!));
      if (set) for (const conn of set) visit(conn);
      return;
    }
    const seen = new Set<Connection>();
    for (const tag of query.anyOf) {
      const set = this.tags.get(appScopedKey(appId, tag));
      if (!set) continue;
      for (const conn of set) {
        if (seen.has(conn)) continue;
        seen.add(conn);
        visit(conn);
      }
    }
  }
}

function hasAll(conn: Connection, tags: readonly string[]): boolean {
  for (const tag of tags) if (!conn.tags?.has(tag)) return false;
  return true;
}

function hasAny(conn: Connection, tags: readonly string[]): boolean {
  if (tags.length === 0) return true;
  for (const tag of tags) if (conn.tags?.has(tag)) return true;
  return false;
}
