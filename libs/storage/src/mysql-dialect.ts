import { CompiledQuery, MysqlDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
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
    // (append-pipelined.ts). Values still travel as parameters, escaped by mysql2; no statement
    // of the storage splices input into its text.
    multipleStatements: true,
  });
  return {
    kind: 'mysql',
    kysely: new MysqlDialect({
      pool,
      // Correctness relies on row locks only, never on snapshots; READ COMMITTED drops the gap
      // locks of REPEATABLE READ, which otherwise deadlock concurrent inserts of new users.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(
          CompiledQuery.raw('set session transaction isolation level read committed'),
        );
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

function classifyError(error: unknown): ErrorClass {
  const errno = (error as { errno?: unknown } | null)?.errno;
  if (typeof errno !== 'number') return 'other';
  if (RETRYABLE_ERRNOS.has(errno)) return 'retry';
  return errno === ER_DUP_ENTRY ? 'duplicate' : 'other';
}
