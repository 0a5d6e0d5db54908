import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';

/*
 * Groups, group membership and per-user read state, and the per-app switch for client room
 * sends. Frozen once released, like 0001 to 0003: it spells out its own column types per dialect.
 *
 * `conversation_members` is ONE table for what a user has in a conversation, whatever its kind:
 * - a group's members (conversation_type 'group', conversation_id = the group id), with their
 *   role, when they joined and at which conversation seq (join_seq), and their read cursor;
 * - a user's 1:1 and system conversations (conversation_type 'user', conversation_id = the
 *   stored key, see `directConversationId`), written by the append path with role '' and
 *   join_seq 0, for the read cursor and the conversation list.
 * One table keeps the conversation list a single join, and markRead one code path. The primary
 * key starts with the user (a user's conversations); `conversation_members_conversation_idx`
 * lists a conversation's (group's) members by user id.
 *
 * The list's "last activity" is the `sent_at` of the message at `conversations.max_seq`, found
 * through the unique (app, type, id, seq) key of `messages`: no extra column to keep up to date
 * on the append path.
 *
 * `apps.allow_client_room_sends`: NULL means the global config default applies, like
 * `allow_client_tags` (0002).
 */
export function groupsAndReadStateMigration(kind: DialectKind): Migration {
  const mysql = kind === 'mysql';
  const id = mysql ? sql`varchar(64)` : sql`text`;
  const conversationId = mysql ? sql`varchar(160)` : sql`text`;
  const shortText = (n: number) => (mysql ? sql.raw(`varchar(${n})`) : sql`text`);
  const counter = mysql ? sql`bigint unsigned` : sql`integer`;
  const millis = mysql ? sql`bigint` : sql`integer`;
  const flag = mysql ? sql`boolean` : sql`integer`;

  const finish = <T extends CreateTableBuilder<string, string>>(table: T): T =>
    (mysql
      ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`)
      : table.modifyEnd(sql`without rowid`)) as T;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await finish(
        db.schema
          .createTable('groups')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('group_id', id, (c) => c.notNull())
          .addColumn('name', shortText(128), (c) => c.notNull())
          .addColumn('owner_user_id', id, (c) => c.notNull())
          .addColumn('extra', sql`text`, (c) => c.notNull())
          .addColumn('member_count', counter, (c) => c.notNull().defaultTo(0))
          .addColumn('large', flag, (c) => c.notNull().defaultTo(0))
          .addColumn('dissolved_at', millis)
          .addColumn('created_at', millis, (c) => c.notNull())
          .addColumn('updated_at', millis, (c) => c.notNull())
          .addPrimaryKeyConstraint('groups_pk', ['app_id', 'group_id']),
      ).execute();

      await finish(
        db.schema
          .createTable('conversation_members')
          .addColumn('app_id', id, (c) => c.notNull())
          .addColumn('user_id', id, (c) => c.notNull())
          .addColumn('conversation_type', shortText(16), (c) => c.notNull())
          .addColumn('conversation_id', conversationId, (c) => c.notNull())
          // 'owner' | 'admin' | 'member' in groups; '' in 1:1 and system conversations.
          .addColumn('role', shortText(16), (c) => c.notNull())
          .addColumn('joined_at', millis, (c) => c.notNull())
          .addColumn('join_seq', counter, (c) => c.notNull().defaultTo(0))
          .addColumn('read_seq', counter, (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('conversation_members_pk', [
            'app_id',
            'user_id',
            'conversation_type',
            'conversation_id',
          ]),
      ).execute();
      await db.schema
        .createIndex('conversation_members_conversation_idx')
        .on('conversation_members')
        .columns(['app_id', 'conversation_type', 'conversation_id', 'user_id'])
        .execute();

      await db.schema.alterTable('apps').addColumn('allow_client_room_sends', flag).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('apps').dropColumn('allow_client_room_sends').execute();
      await db.schema.dropTable('conversation_members').execute();
      await db.schema.dropTable('groups').execute();
    },
  };
}
