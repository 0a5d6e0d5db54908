import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';

/*
 * A user's inbox seq counter moves out of `users` into a narrow table of its own, `user_seqs`
 * (app_id, user_id, max_seq, created_at). Every send bumps one counter per inbox it writes (two for
 * a 1:1 message, one per member for a small group) with an upsert that rewrites the counter's row;
 * in `users` that row carries the profile, tags and the rest, and InnoDB spent about twice the CPU
 * per bumped row as on a narrow row (docs/benchmarks.md, issue 9's thirteenth session). The row's
 * `created_at` is when the user's first inbox entry was written: a user known only from messages
 * (sent or received, never upserted) has no `users` row and is still found by the storage's user
 * reads.
 *
 * The counters are copied and `users.max_seq` is dropped on both dialects. A logic process of the
 * previous release still bumps `users.max_seq`, so this cannot run under a rolling upgrade: stop
 * every logic process first (docs/operations.md). Dropping the column makes an old process that
 * was missed fail its sends loudly instead of handing out seqs a new one hands out too. Frozen once
 * released, like 0001 to 0005.
 */
export function userSeqsMigration(kind: DialectKind): Migration {
  const mysql = kind === 'mysql';
  const id = mysql ? sql`varchar(64)` : sql`text`;
  const counter = mysql ? sql`bigint unsigned` : sql`integer`;
  const millis = mysql ? sql`bigint` : sql`integer`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const table = db.schema
        .createTable('user_seqs')
        .addColumn('app_id', id, (c) => c.notNull())
        .addColumn('user_id', id, (c) => c.notNull())
        .addColumn('max_seq', counter, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', millis, (c) => c.notNull())
        .addPrimaryKeyConstraint('user_seqs_pk', ['app_id', 'user_id']);
      await (
        mysql
          ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`)
          : table.modifyEnd(sql`without rowid`)
      ).execute();
      // Rows at 0 are users who never received a message: no counter yet, as for a new user.
      await sql`insert into user_seqs (app_id, user_id, max_seq, created_at)
        select app_id, user_id, max_seq, created_at from users where max_seq > 0`.execute(db);
      await db.schema.alterTable('users').dropColumn('max_seq').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('users')
        .addColumn('max_seq', counter, (c) => c.notNull().defaultTo(0))
        .execute();
      // Users known only by their counter get back the empty-profile row the counter lived in.
      await sql`insert into users (app_id, user_id, nickname, avatar, extra, created_at, updated_at)
        select s.app_id, s.user_id, '', '', '', s.created_at, s.created_at from user_seqs s
        where not exists (select 1 from users u where u.app_id = s.app_id and u.user_id = s.user_id)`.execute(
        db,
      );
      await sql`update users set max_seq = coalesce((select s.max_seq from user_seqs s
        where s.app_id = users.app_id and s.user_id = users.user_id), 0)`.execute(db);
      await db.schema.dropTable('user_seqs').execute();
    },
  };
}
