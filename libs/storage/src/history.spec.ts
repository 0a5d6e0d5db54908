import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';

const text = (content: Uint8Array) => new TextDecoder().decode(content);

for (const dialect of DIALECTS) {
  describe(`messages.history on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;
    const appId = uniqueId('app');

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
      // alice and bob talk (5 messages) while carol writes to alice in between.
      for (let i = 1; i <= 5; i++) {
        const [from, to] = i % 2 ? ['alice', 'bob'] : ['bob', 'alice'];
        await storage.messages.sendDirect([
          directSend({
            appId,
            senderUserId: from,
            recipientUserId: to,
            content: new TextEncoder().encode(`m${i}`),
          }),
          directSend({ appId, senderUserId: 'carol', recipientUserId: 'alice' }),
        ]);
      }
    });
    afterAll(() => database.destroy());

    const page = (userId: string, peer: string, beforeSeq: number, limit: number) =>
      storage.messages.history({ appId, userId, conversation: { type: 'user', id: peer }, beforeSeq, limit });

    it('pages one conversation newest first', async () => {
      const first = await page('alice', 'bob', 0, 2);
      expect(first.messages.map((m) => [m.conversationSeq, text(m.content)])).toEqual([
        [5, 'm5'],
        [4, 'm4'],
      ]);
      expect(first.hasMore).toBe(true);
      const second = await page('alice', 'bob', 4, 2);
      expect(second.messages.map((m) => m.conversationSeq)).toEqual([3, 2]);
      expect(second.hasMore).toBe(true);
      const last = await page('alice', 'bob', 2, 2);
      expect(last.messages.map((m) => m.conversationSeq)).toEqual([1]);
      expect(last.hasMore).toBe(false);
    });

    it('shows the conversation as each party sees it', async () => {
      const fromAlice = await page('alice', 'bob', 0, 10);
      const fromBob = await page('bob', 'alice', 0, 10);
      expect(fromAlice.messages.map((m) => m.messageId)).toEqual(fromBob.messages.map((m) => m.messageId));
      expect(new Set(fromAlice.messages.map((m) => m.conversation.id))).toEqual(new Set(['bob']));
      expect(new Set(fromBob.messages.map((m) => m.conversation.id))).toEqual(new Set(['alice']));
      expect(fromAlice.messages.map((m) => m.senderUserId)).toEqual([
        'alice',
        'bob',
        'alice',
        'bob',
        'alice',
      ]);
    });

    it('keeps other conversations out', async () => {
      const withCarol = await page('alice', 'carol', 0, 10);
      expect(withCarol.messages.map((m) => m.conversationSeq)).toEqual([5, 4, 3, 2, 1]);
      expect(new Set(withCarol.messages.map((m) => m.senderUserId))).toEqual(new Set(['carol']));
      expect(await page('bob', 'carol', 0, 10)).toEqual({ messages: [], hasMore: false });
    });

    it('rejects unknown conversation types', async () => {
      await expect(
        storage.messages.history({
          appId,
          userId: 'alice',
          conversation: { type: 'channel' as never, id: 'x' },
          beforeSeq: 0,
          limit: 1,
        }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}
