import { Kysely, type LogEvent } from 'kysely';
import { SqlApiKeyRepository } from './api-key-repository.js';
import { SqlAppRepository } from './app-repository.js';
import type { Database } from './db-schema.js';
import { SqlConversationRepository } from './conversation-repository.js';
import { SqlDeviceRepository } from './device-repository.js';
import { SqlGroupRepository } from './group-repository.js';
import { SqlMessageRepository } from './message-repository.js';
import { migrateToLatest } from './migrate.js';
import { createMysqlDialect, type MysqlStorageOptions } from './mysql-dialect.js';
import type { RepositoryContext } from './repository-context.js';
import { createSqliteDialect, type SqliteStorageOptions } from './sqlite-dialect.js';
import type { Storage } from './storage.js';
import type { StorageDialect } from './storage-dialect.js';
import { SqlUserRepository } from './user-repository.js';

export type StorageOptions = (
  ({ dialect: 'sqlite' } & SqliteStorageOptions) | ({ dialect: 'mysql' } & MysqlStorageOptions)
) & {
  /** Clock for created/updated columns, Unix milliseconds; `Date.now` when absent. */
  now?: () => number;
  /** Called after every statement: its kind (`select`, `insert`...), seconds taken, and whether it failed. */
  observe?: (operation: string, seconds: number, failed: boolean) => void;
  /**
   * Read the ids of appended messages back by their conversation seqs even where the server numbers
   * one INSERT's rows consecutively (see `append-message-ids.ts`): the path a MySQL
   * server under innodb_autoinc_lock_mode 2 takes, for its tests. Default false.
   */
  readBackMessageIds?: boolean;
};

/**
 * Opens the storage. It does not migrate: call `migrate()` once at start-up (the logic service
 * does) or run migrations from a deploy step.
 */
export async function createStorage(options: StorageOptions): Promise<Storage> {
  const dialect = options.dialect === 'mysql' ? createMysqlDialect(options) : createSqliteDialect(options);
  return new SqlStorage(dialect, options.now ?? Date.now, options.observe, options.readBackMessageIds);
}

class SqlStorage implements Storage {
  readonly dialect: StorageDialect['kind'];
  readonly apps: SqlAppRepository;
  readonly apiKeys: SqlApiKeyRepository;
  readonly users: SqlUserRepository;
  readonly devices: SqlDeviceRepository;
  readonly messages: SqlMessageRepository;
  readonly groups: SqlGroupRepository;
  readonly conversations: SqlConversationRepository;
  private readonly db: Kysely<Database>;
  private readonly storageDialect: StorageDialect;

  constructor(
    storageDialect: StorageDialect,
    now: () => number,
    observe?: StorageOptions['observe'],
    readBackMessageIds = false,
  ) {
    this.dialect = storageDialect.kind;
    this.storageDialect = storageDialect;
    this.db = new Kysely<Database>({
      dialect: storageDialect.kysely,
      ...(observe
        ? {
            log: (event: LogEvent) => {
              const kind = /^\s*(\w+)/.exec(event.query.sql)?.[1]?.toLowerCase() ?? 'other';
              observe(kind, event.queryDurationMillis / 1000, event.level === 'error');
            },
          }
        : {}),
    });
    const ctx: RepositoryContext = { db: this.db, dialect: storageDialect, now, readBackMessageIds };
    this.apps = new SqlAppRepository(ctx);
    this.apiKeys = new SqlApiKeyRepository(ctx);
    this.users = new SqlUserRepository(ctx);
    this.devices = new SqlDeviceRepository(ctx);
    this.messages = new SqlMessageRepository(ctx);
    this.groups = new SqlGroupRepository(ctx);
    this.conversations = new SqlConversationRepository(ctx);
  }

  migrate(): Promise<string[]> {
    return migrateToLatest(this.db as Kysely<unknown>, this.dialect);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.storageDialect.close?.();
  }
}
