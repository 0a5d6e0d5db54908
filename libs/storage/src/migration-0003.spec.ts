import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorage, type StorageOptions } from './create-storage.js';
import { storageMigrations } from './migrations/index.js';
import { createMysqlDialect } from './mysql-dialect.js';
import { createScratchMysqlDatabase } from './mysql-scratch-database.js';
import { createSqliteDialect } from './sqlite-dialect.js';
import { DIALECTS, directSend, MYSQL_SERVER_URI } from './storage-test-harness.js';

/*
 * Rows the 1:1 write path stored before 0003 (seqs kept in send_dedupe) still answer a retried
 * send with their seqs once 0003 runs: they are read from `inbox` now.
 */
for (const dialect of DIALECTS) {
  describe(`migration 0003 on ${dialect}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function scratchOptions(): Promise<StorageOptions> {
      if (dialect === 'mysql') {
        const scratch = await createScratchMysqlDatabase(MYSQL_SERVER_URI);
        cleanups.push(() => scratch.drop());
        return { dialect, uri: scratch.uri, poolSize: 2 };
      }
      const dir = await mkdtemp(join(tmpdir(), 'sb-migration-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return { dialect, file: join(dir, 'switchboard.db') };
    }

    it('answers a retry of a send stored before it with the stored seqs', async () => {
      const options = await scratchOptions();
      const previous =
        options.dialect === 'mysql' ? createMysqlDialect(options) : createSqliteDialect(options);
      const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: previous.kysely });
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve(storageMigrations(dialect)) },
      });
      expect((await migrator.migrateTo('0002_api_keys_and_tenant_settings')).error).toBeUndefined();
      // What the previous release wrote for alice's third message to bob (alice at seq 3, bob at 5).
      const send = directSend({
        appId: 'app',
        clientMsgId: 'old',
        senderUserId: 'alice',
        recipientUserId: 'bob',
      });
      const conversation = '5:alice:bob';
      await db
        .insertInto('messages')
        .values({
          message_id: 42,
          app_id: 'app',
          conversation_type: 'user',
          conversation_id: conversation,
          conversation_seq: 3,
          sender_user_id: 'alice',
          sender_device_id: 'phone',
          target_id: 'bob',
          client_msg_id: 'old',
          content_type: 'text',
          content: Buffer.from('hello'),
          sent_at: send.sentAt,
        })
        .execute();
      await db
        .insertInto('inbox')
        .values([
          { app_id: 'app', user_id: 'alice', seq: 3, message_id: 42 },
          { app_id: 'app', user_id: 'bob', seq: 5, message_id: 42 },
        ])
        .execute();
      await db
        .insertInto('send_dedupe')
        .values({
          app_id: 'app',
          sender_user_id: 'alice',
          client_msg_id: 'old',
          message_id: 42,
          sender_seq: 3,
          recipient_seq: 5,
          conversation_seq: 3,
          sent_at: send.sentAt,
        })
        .execute();
      await db.destroy();
      await previous.close?.();

      const storage = await createStorage(options);
      cleanups.push(() => storage.close());
      expect(await storage.migrate()).toEqual([
        '0003_inbox_by_message',
        '0004_groups_and_read_state',
        '0005_group_member_index',
      ]);
      const [retried] = await storage.messages.sendDirect([send]);
      expect(retried).toEqual({
        messageId: 42,
        senderSeq: 3,
        recipientSeq: 5,
        conversationSeq: 3,
        conversationId: conversation,
        sentAt: send.sentAt,
        duplicate: true,
      });
    });
  });
}
