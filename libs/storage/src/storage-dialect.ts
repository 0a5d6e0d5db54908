import type { Dialect, Expression, InsertQueryBuilder, RawBuilder } from 'kysely';
import type { Database } from './db-schema.js';

/** Which SQL database a storage runs on. */
export type DialectKind = 'mysql' | 'sqlite';

/** How a driver error should be handled by a retrying transaction. */
export type ErrorClass = 'retry' | 'duplicate' | 'other';

/** Column values of an upsert's update part, given the value the INSERT carried for a column. */
export type UpsertSet = (
  inserted: (column: string) => RawBuilder<unknown>,
) => Record<string, Expression<unknown>>;

/**
 * Everything that differs between the SQL databases, so that repositories are written once over
 * kysely. Implementations: `mysql-dialect.ts` (mysql2) and `sqlite-dialect.ts` (better-sqlite3).
 */
export interface StorageDialect {
  readonly kind: DialectKind;
  /** The kysely dialect; kysely owns it (and closes the pool or file on destroy). */
  readonly kysely: Dialect;
  /**
   * Whether `SELECT ... FOR UPDATE` is available. Without it (SQLite) a write transaction already
   * excludes every other writer, so plain reads inside it are just as safe.
   */
  readonly lockingReads: boolean;
  /**
   * Whether one request may carry several statements separated by `;` (MySQL's
   * multipleStatements): the append path then sends its transaction in two round trips.
   */
  readonly multiStatements: boolean;
  /**
   * Makes an INSERT an upsert: rows whose `keys` already exist get `set` applied instead.
   * Within `set`, an unqualified column reference means the existing row's value.
   */
  upsert<TB extends keyof Database, O>(
    insert: InsertQueryBuilder<Database, TB, O>,
    keys: readonly string[],
    set: UpsertSet,
  ): InsertQueryBuilder<Database, TB, O>;
  /**
   * Called after kysely's destroy: closes what that left open (a SQLite file kysely never used) and
   * resolves once what the dialect started beside the driver (SQLite's checkpointer thread) is gone.
   */
  close?(): Promise<void>;
  /** Sorts a driver error: `retry` for deadlocks, lock waits and busy files, `duplicate` for key violations. */
  classifyError(error: unknown): ErrorClass;
}
