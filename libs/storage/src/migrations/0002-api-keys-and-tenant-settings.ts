import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';

type ColumnSpec = readonly [name: string, type: RawBuilder<unknown>, notNullDefault?: string | number];

/*
 * API keys (several per app, revocable), per-user server tags and token revocation, and per-app
 * settings: a previous token secret kept valid for a grace period after a rotation, the webhook
 * and whether clients may declare their own tags. Frozen once released, like 0001: it spells out
 * its own column types per dialect.
 *
 * `apps.api_key_hash` from 0001 stays in the table but is deprecated and no longer read or
 * written: API keys live in `api_keys`, one row per key.
 */
export function apiKeysAndTenantSettingsMigration(kind: DialectKind): Migration {
  const mysql = kind === 'mysql';
  const id = mysql ? sql`varchar(64)` : sql`text`;
  const shortText = (n: number) => (mysql ? sql.raw(`varchar(${n})`) : sql`text`);
  const millis = mysql ? sql`bigint` : sql`integer`;
  // MySQL 8 refuses a literal default on TEXT columns, so the JSON tag list is a VARCHAR there.
  const tagList = mysql ? sql`varchar(8192)` : sql`text`;
  const flag = mysql ? sql`boolean` : sql`integer`;

  // MySQL changes a table in one ALTER (all columns or none); SQLite adds one column per statement.
  async function addColumns(db: Kysely<unknown>, table: string, columns: readonly ColumnSpec[]) {
    const specs = columns.map(([name, type, fallback]) => ({
      name,
      type,
      build: <C extends { notNull(): C; defaultTo(value: unknown): C }>(c: C) =>
        fallback === undefined ? c : c.notNull().defaultTo(fallback),
    }));
    if (mysql) {
      const [first, ...rest] = specs;
      if (!first) return;
      let alter = db.schema.alterTable(table).addColumn(first.name, first.type, first.build);
      for (const spec of rest) alter = alter.addColumn(spec.name, spec.type, spec.build);
      await alter.execute();
    } else {
      for (const spec of specs) {
        await db.schema.alterTable(table).addColumn(spec.name, spec.type, spec.build).execute();
      }
    }
  }

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // key_id is the public half of a key, random and unique across apps: lookups go by it alone.
      const apiKeys = db.schema
        .createTable('api_keys')
        .addColumn('key_id', shortText(16), (c) => c.notNull().primaryKey())
        .addColumn('app_id', id, (c) => c.notNull())
        // Hex SHA-256 of the whole key; the key itself is never stored.
        .addColumn('key_hash', mysql ? sql`char(64)` : sql`text`, (c) => c.notNull())
        .addColumn('name', shortText(128), (c) => c.notNull())
        .addColumn('created_at', millis, (c) => c.notNull())
        .addColumn('revoked_at', millis);
      await (
        mysql
          ? apiKeys.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`)
          : apiKeys.modifyEnd(sql`without rowid`)
      ).execute();
      await db.schema
        .createIndex('api_keys_app_idx')
        .on('api_keys')
        .columns(['app_id', 'created_at'])
        .execute();

      await addColumns(db, 'users', [
        ['tags', tagList, '[]'],
        ['tokens_valid_after', millis, 0],
      ]);

      await addColumns(db, 'apps', [
        ['previous_token_secret', shortText(255)],
        ['previous_secret_valid_until', millis],
        ['webhook_url', shortText(2048)],
        ['webhook_secret', shortText(255)],
        // NULL: the global default (config logic.tags.allowClientDeclared) applies.
        ['allow_client_tags', flag],
      ]);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of [
        'allow_client_tags',
        'webhook_secret',
        'webhook_url',
        'previous_secret_valid_until',
        'previous_token_secret',
      ]) {
        await db.schema.alterTable('apps').dropColumn(column).execute();
      }
      for (const column of ['tokens_valid_after', 'tags']) {
        await db.schema.alterTable('users').dropColumn(column).execute();
      }
      await db.schema.dropTable('api_keys').execute();
    },
  };
}
