import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';

/*
 * On SQLite, the index that finds a conversation's members (0004's
 * `conversation_members_conversation_idx`) becomes a partial index over group rows:
 * `conversation_members_group_idx` on (app_id, conversation_id, user_id) where conversation_type
 * = 'group'. The only queries that look members up by conversation are about groups; 1:1 and
 * system rows are read by user, through the primary key. Every 1:1 send creates or updates two of
 * those rows, and their entries in the old index were two more random B-tree writes per message:
 * with SQLite logging whole pages, about a sixth of the pages each append's transaction wrote
 * (docs/benchmarks.md). Queries reach a partial index only when their WHERE names its condition
 * as a literal (`conversation_type = 'group'`, not a bound parameter).
 *
 * MySQL has no partial indexes, and InnoDB logs a secondary-index change as a row-sized record,
 * not a page: its index stays as 0004 made it. Frozen once released, like 0001 to 0004.
 */
export function groupMemberIndexMigration(kind: DialectKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (kind === 'mysql') return;
      await db.schema.dropIndex('conversation_members_conversation_idx').execute();
      await sql`create index conversation_members_group_idx on conversation_members (app_id, conversation_id, user_id) where conversation_type = 'group'`.execute(
        db,
      );
    },

    async down(db: Kysely<unknown>): Promise<void> {
      if (kind === 'mysql') return;
      await db.schema.dropIndex('conversation_members_group_idx').execute();
      await db.schema
        .createIndex('conversation_members_conversation_idx')
        .on('conversation_members')
        .columns(['app_id', 'conversation_type', 'conversation_id', 'user_id'])
        .execute();
    },
  };
}
