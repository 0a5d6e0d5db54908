import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';

/*
 * The dedupe record no longer assumes a 1:1 message. Until now `send_dedupe` kept the sender's
 * and the recipient's inbox seqs so that a retried send could answer them; a message may now go
 * to any number of inboxes, so a retry reads the seqs back from `inbox` by message id instead,
 * through the new index `inbox_message_idx` (it also serves removing a message from every inbox
 * later). The seqs of rows written before this migration are in `inbox` as well, so nothing is
 * lost. Frozen once released, like 0001 and 0002.
 *
 * `send_dedupe.sender_seq` and `recipient_seq` become unused:
 * - MySQL: they stay, with DEFAULT 0, so that processes of the previous release, which several
 *   logic processes sharing the database may still run during a rolling upgrade, keep writing
 *   and reading their own rows, while new rows leave them 0. A later migration drops them. Only a
 *   default changes: metadata, no table rebuild.
 * - SQLite: one process owns the file, so no older process can still be writing: they are dropped
 *   (changing a default would mean rebuilding the table in SQLite).
 */
export function inboxByMessageMigration(kind: DialectKind): Migration {
  const mysql = kind === 'mysql';
  const counter = mysql ? sql`bigint unsigned` : sql`integer`;
  const legacySeqColumns = ['sender_seq', 'recipient_seq'];

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('inbox_message_idx').on('inbox').columns(['message_id']).execute();
      if (mysql) {
        await db.schema
          .alterTable('send_dedupe')
          .alterColumn('sender_seq', (c) => c.setDefault(0))
          .alterColumn('recipient_seq', (c) => c.setDefault(0))
          .execute();
      } else {
        for (const column of legacySeqColumns) {
          await db.schema.alterTable('send_dedupe').dropColumn(column).execute();
        }
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      if (mysql) {
        await db.schema
          .alterTable('send_dedupe')
          .alterColumn('sender_seq', (c) => c.dropDefault())
          .alterColumn('recipient_seq', (c) => c.dropDefault())
          .execute();
      } else {
        // Rows written since carry no seqs here: 0, as on MySQL.
        for (const column of legacySeqColumns) {
          await db.schema
            .alterTable('send_dedupe')
            .addColumn(column, counter, (c) => c.notNull().defaultTo(0))
            .execute();
        }
      }
      await db.schema.dropIndex('inbox_message_idx').on('inbox').execute();
    },
  };
}
