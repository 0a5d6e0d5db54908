import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, sql } from 'kysely';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { statementCachingDatabase } from './sqlite-statement-cache.js';
import type { ErrorClass, StorageDialect } from './storage-dialect.js';

export interface SqliteStorageOptions {
  /** Path of the database file (its folder is created 0700 and the file 0600 when missing), or `:memory:`. */
  file: string;
}

/**
 * Embedded SQLite through better-sqlite3: one connection per process, transactions serialised by
 * kysely, prepared statements cached by SQL text.
 */
export function createSqliteDialect(options: SqliteStorageOptions): StorageDialect {
  const inMemory = options.file === ':memory:' || options.file === '';
  if (!inMemory) {
    // The file holds every app's token secret and every message: only its owner may read it. A new
    // folder is 0700 and a new file 0600; SQLite gives its -wal and -shm files the file's mode.
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    closeSync(openSync(options.file, 'a', 0o600));
  }
  const database = new BetterSqlite3(options.file);
  // WAL lets readers (an operator's sqlite3 shell, a backup) run beside the writer; the busy
  // timeout makes a second process wait for the write lock instead of failing at once.
  database.pragma('journal_mode = WAL');
  // A send is answered once its commit is on disk (docs/protocol.md). Said explicitly: better-sqlite3
  // is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, which turns a WAL connection that did not set it
  // to NORMAL at its first write (synced only at checkpoints: a crash of the machine, not of the
  // process, could lose acknowledged sends).
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  // A statement that may fail halfway inside a transaction (a multi-row INSERT ... ON CONFLICT of
  // the append) keeps a journal to undo just itself; past 64 KiB SQLite spilled it to a temporary
  // file, written through the kernel on every batch. In memory it costs no system calls: the
  // embedded append's system CPU fell by about 40% (docs/benchmarks.md).
  database.pragma('temp_store = MEMORY');
  const cached = statementCachingDatabase(database);
  // Checkpoints in a worker thread, not inside a commit on the event loop (sqlite-checkpointer.ts),
  // stopped before the database closes.
  const stopCheckpointer = inMemory ? undefined : startCheckpointer(database, options.file);
  let closing: Promise<void> | undefined;
  // Once, from kysely's destroy or from the storage's close after it: kysely closes only a database
  // it has used, and does not wait for the checkpointer's thread.
  const close = () => {
    if (!closing) {
      closing = stopCheckpointer?.() ?? Promise.resolve();
      cached.close();
    }
    return closing;
  };
  return {
    kind: 'sqlite',
    kysely: new SqliteDialect({
      database: {
        prepare: (sql) => cached.prepare(sql),
        close() {
          void close();
        },
      },
    }),
    close,
    lockingReads: false,
    multiStatements: false,
    upsert(insert, keys, set) {
      const update = set((column) => sql.ref(`excluded.${column}`));
      return insert.onConflict((conflict) => conflict.columns(keys as never).doUpdateSet(update as never));
    },
    classifyError,
  };
}

function classifyError(error: unknown): ErrorClass {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'retry';
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
    ? 'duplicate'
    : 'other';
}
