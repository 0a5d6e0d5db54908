import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from './conversation-id.js';
import type { Storage } from './storage.js';
import type { DirectSendResult } from './types.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  groupAppend,
  MYSQL_SERVER_URI,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';

/** How the test MySQL server numbers the rows of one INSERT (see `append-message-ids.ts`). */
async function autoincLockMode(): Promise<number> {
  const connection = await createConnection({ uri: MYSQL_SERVER_URI });
  try {
    const [rows] = await connection.query<RowDataPacket[]>('select @@innodb_autoinc_lock_mode as mode');
    return Number(rows[0]!['mode']);
  } finally {
    await connection.end();
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (content: Uint8Array) => new TextDecoder().decode(content);

for (const dialect of DIALECTS) {
  describe(`messages.append on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    const inboxSeqs = async (appId: string, userId: string) =>
      (await storage.messages.syncInbox(appId, userId, 0, 1000)).messages.map((m) => [
        m.seq,
        text(m.content),
      ]);

    it("gives every listed user their next inbox seq and the group's next conversation seq", async () => {
      const appId = uniqueId('app');
      // bob and dave already have inbox entries: their seqs go on from there.
      await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'bob', recipientUserId: 'dave' }),
      ]);
      const [first, second] = await storage.messages.append([
        groupAppend({ appId, content: bytes('g1'), inboxUserIds: ['alice', 'bob', 'carol', 'dave'] }),
        groupAppend({ appId, content: bytes('g2'), inboxUserIds: ['dave', 'carol', 'bob', 'alice'] }),
      ]);
      expect(first).toMatchObject({
        conversation: { type: 'group', key: 'g1' },
        conversationSeq: 1,
        inboxSeqs: [1, 2, 1, 2],
        sentAt: 1_700_000_000_000,
        duplicate: false,
      });
      expect(second).toMatchObject({ conversationSeq: 2, inboxSeqs: [3, 2, 3, 2], duplicate: false });
      expect(first!.messageId).not.toBe(second!.messageId);

      expect(await inboxSeqs(appId, 'carol')).toEqual([
        [1, 'g1'],
        [2, 'g2'],
      ]);
      expect(await inboxSeqs(appId, 'bob')).toEqual([
        [1, 'hello'],
        [2, 'g1'],
        [3, 'g2'],
      ]);
      const carol = await storage.messages.syncInbox(appId, 'carol', 0, 10);
      expect(carol.messages[0]).toMatchObject({
        messageId: first!.messageId,
        conversation: { type: 'group', id: 'g1' },
        conversationSeq: 1,
        senderUserId: 'alice',
      });
      expect(carol.maxSeq).toBe(2);

      const history = await storage.messages.history({
        appId,
        userId: 'carol',
        conversation: { type: 'group', id: 'g1' },
        beforeSeq: 0,
        limit: 10,
      });
      expect(history.messages.map((m) => [m.conversationSeq, text(m.content)])).toEqual([
        [2, 'g2'],
        [1, 'g1'],
      ]);
    });

    it('tells the caller once, when the transaction holds its counters (seqsTaken)', async () => {
      const appId = uniqueId('app');
      let calls = 0;
      const pending = storage.messages.append([groupAppend({ appId })], () => calls++);
      expect(calls).toBe(0);
      const [result] = await pending;
      expect(calls).toBe(1);
      expect(result).toMatchObject({ conversationSeq: 1, duplicate: false });
    });

    it('answers a duplicate, within a batch and across batches, with the first seqs', async () => {
      const appId = uniqueId('app');
      const message = groupAppend({ appId, clientMsgId: 'same' });
      const [first, again, other] = await storage.messages.append([
        message,
        message,
        groupAppend({ appId, clientMsgId: 'other' }),
      ]);
      expect(first).toMatchObject({ conversationSeq: 1, inboxSeqs: [1, 1, 1], duplicate: false });
      expect(again).toEqual({ ...first, duplicate: true });
      expect(other).toMatchObject({ conversationSeq: 2, inboxSeqs: [2, 2, 2], duplicate: false });

      // Later, from another batch, also when the retry lists the inboxes in another order or
      // names a user the first one did not reach.
      const [later, reordered] = await storage.messages.append([
        message,
        { ...message, inboxUserIds: ['carol', 'erin', 'alice'] },
      ]);
      expect(later).toEqual({ ...first, duplicate: true });
      expect(reordered).toMatchObject({ messageId: first!.messageId, inboxSeqs: [1, 0, 1], duplicate: true });
      // Nothing was written twice, and no seq was consumed.
      expect(await storage.users.maxSeq(appId, 'bob')).toBe(2);
      expect(await storage.users.maxSeq(appId, 'erin')).toBe(0);
      const [next] = await storage.messages.append([groupAppend({ appId })]);
      expect(next).toMatchObject({ conversationSeq: 3, inboxSeqs: [3, 3, 3] });
    });

    it('mixes 1:1 and multi-inbox messages in one batch, seqs following input order', async () => {
      const appId = uniqueId('app');
      const direct = directConversationId('alice', 'bob');
      const results = await storage.messages.append([
        groupAppend({ appId, content: bytes('group 1') }),
        groupAppend({
          appId,
          conversation: { type: 'user', key: direct },
          targetId: 'bob',
          inboxUserIds: ['alice', 'bob'],
          content: bytes('direct 1'),
        }),
        groupAppend({ appId, conversation: { type: 'group', key: 'g2' }, inboxUserIds: ['bob', 'dave'] }),
        groupAppend({ appId, content: bytes('group 2') }),
      ]);
      expect(results.map((r) => [r.conversation.key, r.conversationSeq, r.inboxSeqs])).toEqual([
        ['g1', 1, [1, 1, 1]],
        [direct, 1, [2, 2]],
        ['g2', 1, [3, 1]],
        ['g1', 2, [3, 4, 2]],
      ]);
      // The 1:1 message is one the 1:1 path and its readers recognise.
      const bob = await storage.messages.syncInbox(appId, 'bob', 0, 10);
      expect(bob.messages.map((m) => m.conversation)).toEqual([
        { type: 'group', id: 'g1' },
        { type: 'user', id: 'alice' },
        { type: 'group', id: 'g2' },
        { type: 'group', id: 'g1' },
      ]);
      const [viaSendDirect] = await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'bob', recipientUserId: 'alice' }),
      ]);
      expect(viaSendDirect).toMatchObject({
        conversationId: direct,
        conversationSeq: 2,
        senderSeq: 5,
        recipientSeq: 4,
      });
    });

    it('takes only a conversation seq for a message with no inbox', async () => {
      const appId = uniqueId('app');
      const [readFanOut, withInbox, again] = await storage.messages.append([
        groupAppend({ appId, inboxUserIds: [], content: bytes('for everyone') }),
        groupAppend({ appId, inboxUserIds: ['bob'] }),
        groupAppend({ appId, inboxUserIds: [], clientMsgId: 'big' }),
      ]);
      expect(readFanOut).toMatchObject({ conversationSeq: 1, inboxSeqs: [], duplicate: false });
      expect(withInbox).toMatchObject({ conversationSeq: 2, inboxSeqs: [1] });
      expect(again).toMatchObject({ conversationSeq: 3, inboxSeqs: [] });
      const [retried] = await storage.messages.append([
        groupAppend({ appId, inboxUserIds: [], clientMsgId: 'big' }),
      ]);
      expect(retried).toEqual({ ...again, duplicate: true });
      expect(await storage.users.maxSeq(appId, 'alice')).toBe(0);
      const history = await storage.messages.history({
        appId,
        userId: 'alice',
        conversation: { type: 'group', id: 'g1' },
        beforeSeq: 0,
        limit: 10,
      });
      expect(history.messages.map((m) => m.conversationSeq)).toEqual([3, 2, 1]);
    });

    it.each([false, true])(
      'writes a batch in a fixed number of statements, whatever its size (reading ids back: %s)',
      async (readBackMessageIds) => {
        const statements: string[] = [];
        const counted = await database.open({ observe: (kind) => statements.push(kind), readBackMessageIds });
        const appId = uniqueId('app');
        // The first batch of a storage also asks MySQL how it numbers an INSERT's rows.
        await counted.messages.sendDirect([directSend({ appId, senderUserId: 'w1', recipientUserId: 'w2' })]);
        const readsIds = readBackMessageIds || (dialect === 'mysql' && (await autoincLockMode()) > 1);
        const count = async (batch: () => Promise<unknown>) => {
          statements.length = 0;
          await batch();
          return [...statements];
        };
        const sends = Array.from({ length: 50 }, (_, i) =>
          directSend({ appId, senderUserId: `s${i % 7}`, recipientUserId: `r${i % 5}` }),
        );
        let results: DirectSendResult[] = [];
        const direct = await count(async () => (results = await counted.messages.sendDirect(sends)));
        // Dedupe lookup; users upsert + read; conversations upsert + read; messages insert (+ id
        // read where one INSERT's ids may not be consecutive); inbox insert; dedupe insert; then the
        // read state: one upsert of both parties' 1:1 state for direct messages, one update of the
        // senders' cursors for group messages.
        const common = [
          'begin',
          'select',
          'insert',
          'select',
          'insert',
          'select',
          'insert',
          ...(readsIds ? ['select'] : []),
          'insert',
          'insert',
        ];
        // MySQL sends the same statements in two requests (append-pipelined.ts): the transaction's
        // start, the lookup and the counters; then the writes and the commit.
        const pipelined = dialect === 'mysql' && !readsIds;
        expect(direct).toEqual(pipelined ? ['start', 'insert'] : [...common, 'insert', 'commit']);
        const group = await count(() =>
          counted.messages.append(
            Array.from({ length: 50 }, (_, i) =>
              groupAppend({
                appId,
                conversation: { type: 'group', key: `g${i % 3}` },
                targetId: `g${i % 3}`,
              }),
            ),
          ),
        );
        expect(group).toEqual(pipelined ? ['start', 'insert'] : [...common, 'update', 'commit']);
        // The ids answered are the stored ones, whichever way they were found.
        const history = await counted.messages.history({
          appId,
          userId: 's1',
          conversation: { type: 'user', id: 'r1' },
          beforeSeq: 0,
          limit: 100,
        });
        expect(history.messages.length).toBeGreaterThan(0);
        for (const stored of history.messages) {
          const sent = sends.findIndex((send) => send.clientMsgId === stored.clientMsgId);
          expect(results[sent]).toMatchObject({
            messageId: stored.messageId,
            conversationSeq: stored.conversationSeq,
          });
        }
        // The inbox entries point at the same messages, with the seqs answered.
        const inbox = await counted.messages.syncInbox(appId, 'r1', 0, 100);
        expect(inbox.messages.length).toBeGreaterThan(0);
        for (const entry of inbox.messages) {
          const sent = sends.findIndex((send) => send.clientMsgId === entry.clientMsgId);
          expect(results[sent]).toMatchObject({ messageId: entry.messageId, recipientSeq: entry.seq });
        }

        // A batch resending a stored message with a new one: the new one is stored once, the seqs
        // of the attempt that found the stored one (and rolled back, on MySQL) are not lost.
        const fresh = directSend({ appId, senderUserId: 's1', recipientUserId: 'r1' });
        const before = await counted.users.maxSeq(appId, 'r1');
        const [again, added] = await counted.messages.sendDirect([sends[1]!, fresh]);
        expect(again).toEqual({ ...results[1], duplicate: true });
        expect(added).toMatchObject({ duplicate: false, recipientSeq: before + 1 });
        expect(await counted.users.maxSeq(appId, 'r1')).toBe(before + 1);
      },
    );

    it.each([false, true])(
      'stores a batch past 500 rows per statement whole, with the ids and seqs it answered (reading ids back: %s)',
      async (readBackMessageIds) => {
        const many = await database.open({ readBackMessageIds });
        const appId = uniqueId('app');
        // 600 messages, 1,200 inbox entries, 600 conversations: every kind of statement in chunks.
        const sends = Array.from({ length: 600 }, (_, i) =>
          directSend({ appId, senderUserId: 'alice', recipientUserId: `u${i}` }),
        );
        const results = await many.messages.sendDirect(sends);
        expect(results.map((r) => r.senderSeq)).toEqual(sends.map((_, i) => i + 1));
        const inbox = await many.messages.syncInbox(appId, 'alice', 0, 1000);
        expect(inbox.messages).toHaveLength(600);
        inbox.messages.forEach((m, i) => {
          expect(m.clientMsgId).toBe(sends[i]!.clientMsgId);
          expect(m.messageId).toBe(results[i]!.messageId);
        });
        const [last] = (await many.messages.syncInbox(appId, 'u599', 0, 10)).messages;
        expect(last).toMatchObject({ seq: 1, messageId: results[599]!.messageId });
      },
    );

    it('refuses a user listed twice, an unknown conversation type and an empty key, storing nothing', async () => {
      const appId = uniqueId('app');
      for (const bad of [
        groupAppend({ appId, inboxUserIds: ['bob', 'bob'] }),
        groupAppend({ appId, conversation: { type: 'room' as 'group', key: 'r1' } }),
        groupAppend({ appId, conversation: { type: 'group', key: '' } }),
        groupAppend({ appId, inboxUserIds: [''] }),
      ]) {
        await expect(storage.messages.append([groupAppend({ appId }), bad])).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
      expect(await storage.users.maxSeq(appId, 'alice')).toBe(0);
    });
  });
}
