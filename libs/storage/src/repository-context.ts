import type { Kysely } from 'kysely';
import type { Database } from './db-schema.js';
import type { StorageDialect } from './storage-dialect.js';

/** What every repository is built from. */
export interface RepositoryContext {
  readonly db: Kysely<Database>;
  readonly dialect: StorageDialect;
  /** Unix milliseconds for created/updated columns; injected so tests control time. */
  readonly now: () => number;
  /** Never take appended messages' ids from the INSERT's insert id (`StorageOptions.readBackMessageIds`). */
  readonly readBackMessageIds?: boolean;
}
