import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; the least recently used one is dropped beyond this. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 as kysely's SqliteDialect sees it, with its prepared statements kept by SQL text:
 * kysely prepares every query it runs, and preparing (parsing and planning) the same few dozen
 * statements again on every call cost about 6% of the embedded suite's CPU. A statement is reusable
 * once it has run (`all`/`run` finish it; an iteration ends or is returned), SQLite prepares it again
 * by itself after a schema change, and kysely runs one query at a time on its single connection; a
 * statement still iterating (a stream left open) is not handed out twice: a fresh one is prepared.
 */
export function statementCachingDatabase(
  database: BetterSqlite3.Database,
  capacity = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Map order is insertion order: moving a hit to the end keeps the oldest first to evict.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached) return statement;
      if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
