import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator } from 'kysely';
import type { StorageOptions } from './create-storage.js';
import { storageMigrations } from './migrations/index.js';
import { createMysqlDialect } from './mysql-dialect.js';
import { createScratchMysqlDatabase } from './mysql-scratch-database.js';
import { createSqliteDialect } from './sqlite-dialect.js';
import { MYSQL_SERVER_URI, type TestDialect } from './storage-test-harness.js';

/*
 * Shared set-up of the migration specs: a scratch database the specs migrate step by step through
 * a raw connection, writing rows as an earlier release did, then open with the storage.
 */

/** Kysely over any table: the rows of an earlier schema, which `Database` no longer describes. */
export type AnyDatabase = Kysely<Record<string, Record<string, unknown>>>;

/** Options of a fresh scratch database; `cleanups` gets what drops it. */
export async function scratchStorageOptions(
  dialect: TestDialect,
  cleanups: (() => Promise<void>)[],
): Promise<StorageOptions> {
  if (dialect === 'mysql') {
    const scratch = await createScratchMysqlDatabase(MYSQL_SERVER_URI);
    cleanups.push(() => scratch.drop());
    return { dialect, uri: scratch.uri, poolSize: 2 };
  }
  const dir = await mkdtemp(join(tmpdir(), 'sb-migration-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { dialect, file: join(dir, 'switchboard.db') };
}

/** A raw connection to the database of `options` and a migrator over the storage's migrations. */
export function openMigrator(options: StorageOptions): {
  db: AnyDatabase;
  migrator: Migrator;
  close: () => Promise<void>;
} {
  const dialect = options.dialect === 'mysql' ? createMysqlDialect(options) : createSqliteDialect(options);
  const db: AnyDatabase = new Kysely({ dialect: dialect.kysely });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(storageMigrations(options.dialect)) },
  });
  return {
    db,
    migrator,
    close: async () => {
      await db.destroy();
      await dialect.close?.();
    },
  };
}
