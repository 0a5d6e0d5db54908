import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';

/*
 * A migration is frozen once released: it spells out its own column types per dialect instead of
 * borrowing a shared vocabulary that could change under it later.
 *
 * MySQL: ids are utf8mb4_bin so that 'Alice' and 'alice' are different users, as in SQLite.
 * VARCHAR(64) ids keep every key far below InnoDB's 3072-byte index limit (the widest key,
 * messages' (app_id, conversation_type, conversation_id, conversation_seq), is 968 bytes).
 * There are no foreign keys: rows are written in dependency order by one code path, and keys
 * without them let tables be split across databases later.
 */
export function initialMigration(kind: DialectKind): Migration {
  const mysql = kind === 'mysql';
  const id = mysql ? sql`varchar(64)` : sql`text`;
  const conversationId = mysql ? sql`varchar(160)` : sql`text`;
  const shortText = (n: number) => (mysql ? sql.raw(`varchar(${n})`) : sql`text`);
  const counter = mysql ? sql`bigint unsigned` : sql`integer`;
  const millis = mysql ? sql`bigint` : sql`integer`;
  // MEDIUMBLOB holds 16 MiB: enough for any frame size an operator may configure.
  const blob = mysql ? sql`mediumblob` : sql`blob`;

  // InnoDB with a fixed charset in MySQL; in SQLite tables keyed by a composite key are stored
  // clustered on it (WITHOUT ROWID), like InnoDB does.
  const finish = <T extends CreateTableBuilder<string, string>>(table: T, clustered: boolean): T =>
    mysql
      ? (table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) as T)
      : clustered
        ? (table.modifyEnd(sql`without rowid`) as T)
        : table;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await finish(
        db.schema
          .createTable('apps')
          .addColumn('app_id', id, (c) => c.notNull().primaryKey())
          .addColumn('name', shortText(128), (c) => c.notNull())
          .addColumn('token_secret', shortText(255), (c) => c.notNull())
          .addColumn('api_key_hash', shortText(128))
          .addColumn('created_at', millis, (c) => c.notNull()),
        false,
      ).execute();

      await finish(
        db.schema
          .createTable('users')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('user_id', id, (c) => c.notNull())
          .addColumn('nickname', shortText(128), (c) => c.notNull())
          .addColumn('avatar', shortText(1024), (c) => c.notNull())
          .addColumn('extra', sql`text`, (c) => c.notNull())
          .addColumn('max_seq', counter, (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', millis, (c) => c.notNull())
          .addColumn('updated_at', millis, (c) => c.notNull())
          .addPrimaryKeyConstraint('users_pk', ['app_id', 'user_id']),
        true,
      ).execute();

      await finish(
        db.schema
          .createTable('devices')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('user_id', id, (c) => c.notNull())
          .addColumn('device_id', id, (c) => c.notNull())
          .addColumn('platform', shortText(32), (c) => c.notNull())
          .addColumn('acked_seq', counter, (c) => c.notNull().defaultTo(0))
          .addColumn('last_sign_in_at', millis, (c) => c.notNull())
          .addColumn('created_at', millis, (c) => c.notNull())
          .addPrimaryKeyConstraint('devices_pk', ['app_id', 'user_id', 'device_id']),
        true,
      ).execute();

      await finish(
        db.schema
          .createTable('conversations')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('conversation_type', shortText(16), (c) => c.notNull())
          .addColumn('conversation_id', conversationId, (c) => c.notNull())
          .addColumn('max_seq', counter, (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', millis, (c) => c.notNull())
          .addPrimaryKeyConstraint('conversations_pk', ['app_id', 'conversation_type', 'conversation_id']),
        true,
      ).execute();

      await finish(
        db.schema
          .createTable('messages')
          .addColumn('message_id', mysql ? sql`bigint unsigned` : sql`integer`, (c) =>
            c.notNull().primaryKey().autoIncrement(),
          )
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('conversation_type', shortText(16), (c) => c.notNull())
          .addColumn('conversation_id', conversationId, (c) => c.notNull())
          .addColumn('conversation_seq', counter, (c) => c.notNull())
          .addColumn('sender_user_id', id, (c) => c.notNull())
          .addColumn('sender_device_id', id, (c) => c.notNull())
          .addColumn('target_id', id, (c) => c.notNull())
          .addColumn('client_msg_id', id, (c) => c.notNull())
          .addColumn('content_type', shortText(64), (c) => c.notNull())
          .addColumn('content', blob, (c) => c.notNull())
          .addColumn('sent_at', millis, (c) => c.notNull())
          .addUniqueConstraint('messages_conversation_seq_uq', [
            'app_id',
            'conversation_type',
            'conversation_id',
            'conversation_seq',
          ]),
        false,
      ).execute();

      await finish(
        db.schema
          .createTable('inbox')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('user_id', id, (c) => c.notNull())
          .addColumn('seq', counter, (c) => c.notNull())
          .addColumn('message_id', counter, (c) => c.notNull())
          .addPrimaryKeyConstraint('inbox_pk', ['app_id', 'user_id', 'seq']),
        true,
      ).execute();

      await finish(
        db.schema
          .createTable('send_dedupe')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('sender_user_id', id, (c) => c.notNull())
          .addColumn('client_msg_id', id, (c) => c.notNull())
          .addColumn('message_id', counter, (c) => c.notNull())
          .addColumn('sender_seq', counter, (c) => c.notNull())
          .addColumn('recipient_seq', counter, (c) => c.notNull())
          .addColumn('conversation_seq', counter, (c) => c.notNull())
          .addColumn('sent_at', millis, (c) => c.notNull())
          .addPrimaryKeyConstraint('send_dedupe_pk', ['app_id', 'sender_user_id', 'client_msg_id']),
        true,
      ).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['send_dedupe', 'inbox', 'messages', 'conversations', 'devices', 'users', 'apps']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
