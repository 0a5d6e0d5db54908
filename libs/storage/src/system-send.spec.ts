import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';

const bytes = (text: string) => new TextEncoder().encode(text);

for (const dialect of DIALECTS) {
  describe(`messages from the system on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    const fromSystem = (appId: string, recipientUserId: string, clientMsgId: string, text: string) =>
      directSend({
        appId,
        senderUserId: '',
        senderDeviceId: '',
        recipientUserId,
        clientMsgId,
        content: bytes(text),
      });

    it("lands only in the recipient's inbox, in its own conversation, idempotent per app", async () => {
      const appId = uniqueId('app');
      await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'alice', recipientUserId: 'bob', content: bytes('hi') }),
      ]);
      const [first, again] = await storage.messages.sendDirect([
        fromSystem(appId, 'bob', 'notice-1', 'welcome'),
        fromSystem(appId, 'bob', 'notice-1', 'welcome'),
      ]);
      expect(first).toMatchObject({ senderSeq: 0, recipientSeq: 2, conversationSeq: 1, duplicate: false });
      expect(again).toMatchObject({ messageId: first!.messageId, duplicate: true });
      const [later] = await storage.messages.sendDirect([fromSystem(appId, 'bob', 'notice-1', 'welcome')]);
      expect(later).toMatchObject({ messageId: first!.messageId, duplicate: true });

      const inbox = await storage.messages.syncInbox(appId, 'bob', 0, 100);
      expect(inbox.messages.map((m) => [m.seq, m.conversation, m.senderUserId])).toEqual([
        [1, { type: 'user', id: 'alice' }, 'alice'],
        [2, { type: 'system', id: '' }, ''],
      ]);
      // Nobody else got an inbox entry: not alice, not a user with the empty id.
      expect(await storage.users.maxSeq(appId, 'alice')).toBe(1);
      expect(await storage.users.get(appId, '').catch(() => undefined)).toBeUndefined();

      const history = await storage.messages.history({
        appId,
        userId: 'bob',
        conversation: { type: 'system', id: '' },
        beforeSeq: 0,
        limit: 10,
      });
      expect(history.messages.map((m) => new TextDecoder().decode(m.content))).toEqual(['welcome']);
      const alicesView = await storage.messages.history({
        appId,
        userId: 'alice',
        conversation: { type: 'system', id: '' },
        beforeSeq: 0,
        limit: 10,
      });
      expect(alicesView.messages).toEqual([]);
    });

    it('refuses a system message that names a sender device', async () => {
      const appId = uniqueId('app');
      await expect(
        storage.messages.sendDirect([{ ...fromSystem(appId, 'bob', 'x', 'x'), senderDeviceId: 'd1' }]),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}
