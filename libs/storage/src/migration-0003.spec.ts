import { afterEach, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { openMigrator, scratchStorageOptions } from './migration-test-harness.js';
import { DIALECTS, directSend } from './storage-test-harness.js';

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

    it('answers a retry of a send stored before it with the stored seqs', async () => {
      const options = await scratchStorageOptions(dialect, cleanups);
      const { db, migrator, close } = openMigrator(options);
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
      await close();

      const storage = await createStorage(options);
      cleanups.push(() => storage.close());
      expect(await storage.migrate()).toEqual([
        '0003_inbox_by_message',
        '0004_groups_and_read_state',
        '0005_group_member_index',
        '0006_user_seqs',
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
