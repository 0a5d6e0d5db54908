import { readFile } from 'node:fs/promises';
import { Migrator, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { storageMigrations } from './migrations/index.js';
import { dumpMysqlSchema } from './mysql-schema-dump.js';
import { createTestDatabase, DIALECTS, MYSQL_SERVER_URI, type TestDatabase } from './storage-test-harness.js';

for (const dialect of DIALECTS) {
  describe(`migrations on ${dialect}`, () => {
    let database: TestDatabase | undefined;
    afterEach(async () => {
      await database?.destroy();
      database = undefined;
    });

    it('migrates an empty database to the latest schema, then does nothing', async () => {
      database = await createTestDatabase(dialect);
      const storage = await database.open();
      expect(await storage.migrate()).toEqual([
        '0001_initial',
        '0002_api_keys_and_tenant_settings',
        '0003_inbox_by_message',
        '0004_groups_and_read_state',
        '0005_group_member_index',
        '0006_user_seqs',
      ]);
      expect(await storage.migrate()).toEqual([]);
      expect(await storage.apps.list()).toEqual([]);
      expect(await storage.users.maxSeq('app', 'nobody')).toBe(0);
    });

    it('takes 0006, 0005 and 0004 down and up again', async () => {
      database = await createTestDatabase(dialect);
      const storage = await database.open();
      await storage.migrate();
      const db = (storage as unknown as { db: Kysely<unknown> }).db;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve(storageMigrations(dialect)) },
      });
      const down = await migrator.migrateTo('0003_inbox_by_message');
      expect(down.error).toBeUndefined();
      expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual([
        ['0006_user_seqs', 'Down', 'Success'],
        ['0005_group_member_index', 'Down', 'Success'],
        ['0004_groups_and_read_state', 'Down', 'Success'],
      ]);
      expect(await storage.migrate()).toEqual([
        '0004_groups_and_read_state',
        '0005_group_member_index',
        '0006_user_seqs',
      ]);
    });

    it('lets several instances migrate the same database at once', async () => {
      database = await createTestDatabase(dialect);
      // SQLite is one connection per process by design; MySQL runs several logic processes.
      const instances = dialect === 'mysql' ? 3 : 1;
      const storages = await Promise.all(Array.from({ length: instances }, () => database!.open()));
      const applied = await Promise.all(storages.map((storage) => storage.migrate()));
      expect(applied.flat()).toEqual([
        '0001_initial',
        '0002_api_keys_and_tenant_settings',
        '0003_inbox_by_message',
        '0004_groups_and_read_state',
        '0005_group_member_index',
        '0006_user_seqs',
      ]);
    });
  });
}

describe('sql/schema.sql', () => {
  it('equals the MySQL schema the migrations produce', async () => {
    const file = await readFile(new URL('../../../sql/schema.sql', import.meta.url), 'utf8');
    expect(await dumpMysqlSchema(MYSQL_SERVER_URI)).toBe(file);
  });
});
