import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from './conversation-id.js';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (content: Uint8Array) => new TextDecoder().decode(content);

for (const dialect of DIALECTS) {
  describe(`messages.sendDirect and syncInbox on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    it('stores a message once and gives both users their next seq, in order', async () => {
      const appId = uniqueId('app');
      const results = await storage.messages.sendDirect([
        directSend({
          appId,
          senderUserId: 'alice',
          recipientUserId: 'bob',
          content: bytes('a1'),
          sentAt: 10,
        }),
        directSend({
          appId,
          senderUserId: 'alice',
          recipientUserId: 'bob',
          content: bytes('a2'),
          sentAt: 11,
        }),
      ]);
      const [third] = await storage.messages.sendDirect([
        directSend({
          appId,
          senderUserId: 'bob',
          senderDeviceId: 'pc',
          recipientUserId: 'alice',
          content: bytes('b1'),
        }),
      ]);
      expect(results.map((r) => [r.senderSeq, r.recipientSeq, r.conversationSeq, r.duplicate])).toEqual([
        [1, 1, 1, false],
        [2, 2, 2, false],
      ]);
      expect(third).toMatchObject({ senderSeq: 3, recipientSeq: 3, conversationSeq: 3, duplicate: false });
      expect(new Set([...results, third!].map((r) => r.conversationId))).toEqual(
        new Set([directConversationId('alice', 'bob')]),
      );
      expect(new Set([...results, third!].map((r) => r.messageId)).size).toBe(3);

      const alice = await storage.messages.syncInbox(appId, 'alice', 0, 10);
      expect(alice).toMatchObject({ hasMore: false, maxSeq: 3 });
      expect(alice.messages.map((m) => [m.seq, text(m.content), m.conversation.id, m.senderUserId])).toEqual([
        [1, 'a1', 'bob', 'alice'],
        [2, 'a2', 'bob', 'alice'],
        [3, 'b1', 'bob', 'bob'],
      ]);
      expect(alice.messages[0]).toEqual({
        seq: 1,
        messageId: results[0]!.messageId,
        conversation: { type: 'user', id: 'bob' },
        conversationSeq: 1,
        senderUserId: 'alice',
        senderDeviceId: 'phone',
        clientMsgId: expect.any(String),
        contentType: 'text',
        content: bytes('a1'),
        sentAt: 10,
      });
      const bob = await storage.messages.syncInbox(appId, 'bob', 1, 10);
      expect(bob.messages.map((m) => [m.seq, text(m.content), m.conversation.id])).toEqual([
        [2, 'a2', 'alice'],
        [3, 'b1', 'alice'],
      ]);
      expect(bob.messages[1]?.senderDeviceId).toBe('pc');
    });

    it('numbers each user independently of the conversations they are in', async () => {
      const appId = uniqueId('app');
      await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'alice', recipientUserId: 'bob' }),
        directSend({ appId, senderUserId: 'carol', recipientUserId: 'bob' }),
        directSend({ appId, senderUserId: 'carol', recipientUserId: 'dave' }),
      ]);
      const bob = await storage.messages.syncInbox(appId, 'bob', 0, 10);
      expect(bob.messages.map((m) => [m.seq, m.conversation.id, m.conversationSeq])).toEqual([
        [1, 'alice', 1],
        [2, 'carol', 1],
      ]);
      expect((await storage.messages.syncInbox(appId, 'carol', 0, 10)).messages.map((m) => m.seq)).toEqual([
        1, 2,
      ]);
      expect(await storage.users.maxSeq(appId, 'dave')).toBe(1);
    });

    it('answers a retried send with the first result and writes nothing', async () => {
      const appId = uniqueId('app');
      const send = directSend({ appId, content: bytes('once') });
      const [first] = await storage.messages.sendDirect([send]);
      const [again] = await storage.messages.sendDirect([
        { ...send, content: bytes('twice'), sentAt: send.sentAt + 5 },
      ]);
      expect(again).toEqual({ ...first, duplicate: true });
      const bob = await storage.messages.syncInbox(appId, 'bob', 0, 10);
      expect(bob.messages.map((m) => text(m.content))).toEqual(['once']);
      expect(bob.maxSeq).toBe(1);
      expect(await storage.users.maxSeq(appId, 'alice')).toBe(1);
    });

    it('answers a retry that names another recipient with the first message and recipientSeq 0', async () => {
      const appId = uniqueId('app');
      const send = directSend({ appId, senderUserId: 'alice', recipientUserId: 'bob' });
      const [first] = await storage.messages.sendDirect([send]);
      const [again] = await storage.messages.sendDirect([{ ...send, recipientUserId: 'carol' }]);
      // Carol has no entry for the message: her seq is not made up.
      expect(again).toEqual({ ...first, recipientSeq: 0, duplicate: true });
      expect(again?.conversationId).toBe(directConversationId('alice', 'bob'));
      expect(await storage.users.maxSeq(appId, 'carol')).toBe(0);
    });

    it('stores a send repeated within one batch once', async () => {
      const appId = uniqueId('app');
      const send = directSend({ appId });
      const other = directSend({ appId });
      const results = await storage.messages.sendDirect([
        send,
        other,
        send,
        { ...send, content: bytes('x') },
      ]);
      expect(results.map((r) => r.duplicate)).toEqual([false, false, true, true]);
      expect(results[2]).toEqual({ ...results[0], duplicate: true });
      expect(results[3]).toEqual({ ...results[0], duplicate: true });
      expect(results.map((r) => r.senderSeq)).toEqual([1, 2, 1, 1]);
      expect((await storage.messages.syncInbox(appId, 'bob', 0, 10)).messages).toHaveLength(2);
    });

    it('mixes new sends and retries of earlier ones in one batch', async () => {
      const appId = uniqueId('app');
      const old = directSend({ appId });
      const [first] = await storage.messages.sendDirect([old]);
      const results = await storage.messages.sendDirect([directSend({ appId }), old]);
      expect(results[0]).toMatchObject({ senderSeq: 2, duplicate: false });
      expect(results[1]).toEqual({ ...first, duplicate: true });
    });

    it('keeps clientMsgId scoped to its sender', async () => {
      const appId = uniqueId('app');
      const [fromAlice, fromBob] = await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'alice', recipientUserId: 'bob', clientMsgId: 'same' }),
        directSend({ appId, senderUserId: 'bob', recipientUserId: 'alice', clientMsgId: 'same' }),
      ]);
      expect(fromAlice?.duplicate).toBe(false);
      expect(fromBob?.duplicate).toBe(false);
      expect(fromBob?.messageId).not.toBe(fromAlice?.messageId);
    });

    it('makes one inbox entry for a message to oneself', async () => {
      const appId = uniqueId('app');
      await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'alice', recipientUserId: 'bob' }),
      ]);
      const [note] = await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'alice', recipientUserId: 'alice', content: bytes('note') }),
      ]);
      expect(note).toMatchObject({ senderSeq: 2, recipientSeq: 2, conversationSeq: 1 });
      expect(note?.conversationId).toBe(directConversationId('alice', 'alice'));
      const inbox = await storage.messages.syncInbox(appId, 'alice', 1, 10);
      expect(inbox.messages.map((m) => [m.seq, m.conversation, text(m.content)])).toEqual([
        [2, { type: 'user', id: 'alice' }, 'note'],
      ]);
      expect(inbox.maxSeq).toBe(2);
    });

    it('pages the inbox with hasMore', async () => {
      const appId = uniqueId('app');
      await storage.messages.sendDirect(Array.from({ length: 5 }, () => directSend({ appId })));
      const seen: number[] = [];
      const pages: boolean[] = [];
      let after = 0;
      for (;;) {
        const page = await storage.messages.syncInbox(appId, 'bob', after, 2);
        seen.push(...page.messages.map((m) => m.seq));
        pages.push(page.hasMore);
        expect(page.maxSeq).toBe(5);
        if (!page.hasMore) break;
        after = page.messages.at(-1)!.seq;
      }
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(pages).toEqual([true, true, false]);
      // Exactly `limit` left is not "more".
      expect((await storage.messages.syncInbox(appId, 'bob', 3, 2)).hasMore).toBe(false);
      expect(await storage.messages.syncInbox(appId, 'bob', 5, 2)).toEqual({
        messages: [],
        hasMore: false,
        maxSeq: 5,
      });
    });

    it('writes nothing of a batch with an invalid send', async () => {
      const appId = uniqueId('app');
      const batch = [directSend({ appId }), directSend({ appId, clientMsgId: 'c'.repeat(65) })];
      await expect(storage.messages.sendDirect(batch)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await storage.users.maxSeq(appId, 'alice')).toBe(0);
      expect(await storage.messages.sendDirect([])).toEqual([]);
      await expect(storage.messages.syncInbox(appId, 'bob', 0, 0)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('isolates tenants that use the same user and message ids', async () => {
      const appA = uniqueId('app-a');
      const appB = uniqueId('app-b');
      const [inA] = await storage.messages.sendDirect([
        directSend({ appId: appA, clientMsgId: 'm1', content: bytes('for A') }),
      ]);
      const [inB] = await storage.messages.sendDirect([
        directSend({ appId: appB, clientMsgId: 'm1', content: bytes('for B') }),
      ]);
      expect(inB).toMatchObject({ senderSeq: 1, recipientSeq: 1, conversationSeq: 1, duplicate: false });
      expect(inB?.messageId).not.toBe(inA?.messageId);
      const bobInB = await storage.messages.syncInbox(appB, 'bob', 0, 10);
      expect(bobInB.messages.map((m) => text(m.content))).toEqual(['for B']);
      const history = await storage.messages.history({
        appId: appB,
        userId: 'alice',
        conversation: { type: 'user', id: 'bob' },
        beforeSeq: 0,
        limit: 10,
      });
      expect(history.messages.map((m) => text(m.content))).toEqual(['for B']);
      await storage.devices.signIn({ appId: appA, userId: 'bob', deviceId: 'phone', platform: 'ios' });
      expect(await storage.devices.listByUser(appB, 'bob')).toEqual([]);
    });
  });
}
