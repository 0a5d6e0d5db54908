import { Migrator, type Kysely } from 'kysely';
import { storageMigrations } from './migrations/index.js';
import type { DialectKind } from './storage-dialect.js';
import { StorageError } from './storage-error.js';

/**
 * Brings the schema to the latest migration and resolves with the names applied now. Kysely's
 * migrator takes a database-wide lock (GET_LOCK on MySQL), so concurrent callers are safe.
 */
export async function migrateToLatest(db: Kysely<unknown>, kind: DialectKind): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(storageMigrations(kind)) },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new StorageError('MIGRATION_FAILED', `migration ${failed} failed`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
