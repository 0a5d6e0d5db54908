import { CompiledQuery, MysqlDialect, sql } from 'kysely';
import { createPool, format } from 'mysql2';
import { PRE_ESCAPED } from './sql-text.js';
import type { ErrorClass, StorageDialect } from './storage-dialect.js';

export interface MysqlStorageOptions {
  /** `mysql://user:password@host:port/database` */
  uri: string;
  /** Connections in the pool; 10 when absent. */
  poolSize?: number;
}

// ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, and MariaDB's ER_CHECKREAD (snapshot isolation).
const RETRYABLE_ERRNOS = new Set([1213, 1205, 1020]);
const ER_DUP_ENTRY = 1062;

/** MySQL 8 / MariaDB through a mysql2 pool. */
export function createMysqlDialect(options: MysqlStorageOptions): StorageDialect {
  const pool = createPool({
    uri: options.uri,
    connectionLimit: options.poolSize ?? 10,
    charset: 'utf8mb4',
    // BIGINT values come back as numbers, or as strings past 2^53 rather than silently rounded.
    supportBigNumbers: true,
    // The append path sends its transaction in two requests of several statements each
    // (append-pipelined.ts), with the values written in by mysql-literal.ts as mysql2 would write
    // them; every other query has its values escaped by mysql2. No statement of the storage splices
    // input into its text otherwise.
    multipleStatements: true,
    queryFormat,
  });
  return {
    kind: 'mysql',
    kysely: new MysqlDialect({
      pool,
      onCreateConnection: async (connection) => {
        for (const statement of SESSION_SETUP) await connection.executeQuery(CompiledQuery.raw(statement));
      },
    }),
    lockingReads: true,
    multiStatements: true,
    upsert(insert, _keys, set) {
      const update = set((column) => sql`values(${sql.ref(column)})`);
      return insert.onDuplicateKeyUpdate(update as Parameters<typeof insert.onDuplicateKeyUpdate>[0]);
    },
    classifyError,
  };
}

/**
 * What every connection runs once, before its first query. Correctness relies on row locks only,
 * never on snapshots; READ COMMITTED drops the gap locks of REPEATABLE READ, which otherwise
 * deadlock concurrent inserts of new users. The string literals that mysql2 and mysql-literal.ts
 * write escape quotes with a backslash, which a server in NO_BACKSLASH_ESCAPES mode (a server
 * default an operator may set) would read as a plain character ending the literal early: the mode
 * is turned off for the session.
 */
export const SESSION_SETUP: readonly string[] = [
  'set session transaction isolation level read committed',
  "set session sql_mode = trim(both ',' from replace(replace(@@session.sql_mode, 'NO_BACKSLASH_ESCAPES', ''), ',,', ','))",
];

/**
 * mysql2's own formatting (what it does without a `queryFormat`), except for a text whose values
 * are written in already, sent as it is: formatting found no placeholder in it, but only after
 * scanning it whole.
 */
function queryFormat(
  this: { config: { stringifyObjects?: boolean; timezone?: string } },
  sql: string,
  values: Parameters<typeof format>[1],
): string {
  if (values === PRE_ESCAPED) return sql;
  return format(sql, values, this.config.stringifyObjects, this.config.timezone);
}

function classifyError(error: unknown): ErrorClass {
  const errno = (error as { errno?: unknown } | null)?.errno;
  if (typeof errno !== 'number') return 'other';
  if (RETRYABLE_ERRNOS.has(errno)) return 'retry';
  return errno === ER_DUP_ENTRY ? 'duplicate' : 'other';
}
