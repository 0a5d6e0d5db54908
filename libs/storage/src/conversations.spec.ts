import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from './page-cursor.js';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  groupAppend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';
import type { ConversationSummary } from './types.js';

const text = (content: Uint8Array) => new TextDecoder().decode(content);
const bytes = (s: string) => new TextEncoder().encode(s);

for (const dialect of DIALECTS) {
  describe(`conversations on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    const send = (appId: string, from: string, to: string, sentAt: number, body = 'hi') =>
      storage.messages.sendDirect([
        directSend({
          appId,
          senderUserId: from,
          senderDeviceId: from ? 'phone' : '',
          recipientUserId: to,
          sentAt,
          content: bytes(body),
        }),
      ]);
    const createGroup = (appId: string, groupId: string, at: number, members = ['bob', 'carol']) =>
      storage.groups.create({
        appId,
        groupId,
        name: groupId,
        ownerUserId: 'alice',
        extra: '',
        memberUserIds: members,
        large: false,
        at,
      });
    const postToGroup = (appId: string, groupId: string, from: string, sentAt: number, body = 'hey') =>
      storage.messages.append([
        groupAppend({
          appId,
          conversation: { type: 'group', key: groupId },
          senderUserId: from,
          sentAt,
          content: bytes(body),
          inboxUserIds: [],
        }),
      ]);
    const listAll = async (appId: string, userId: string): Promise<ConversationSummary[]> =>
      (await storage.conversations.list(appId, userId, '', 1000)).items;

    it('lists a 1:1 conversation for both parties once a message is appended, moving only the sender cursor', async () => {
      const appId = uniqueId('app');
      await send(appId, 'alice', 'bob', 100, 'first');
      expect(await listAll(appId, 'alice')).toEqual([
        expect.objectContaining({
          conversation: { type: 'user', id: 'bob' },
          maxSeq: 1,
          readSeq: 1,
          unreadCount: 0,
        }),
      ]);
      const [forBob] = await listAll(appId, 'bob');
      expect(forBob).toMatchObject({
        conversation: { type: 'user', id: 'alice' },
        maxSeq: 1,
        readSeq: 0,
        unreadCount: 1,
        large: false,
        joinSeq: 0,
        lastActiveAt: 100,
      });
      expect(forBob?.lastMessage).toMatchObject({
        conversation: { type: 'user', id: 'alice' },
        conversationSeq: 1,
        senderUserId: 'alice',
      });
      expect(text(forBob!.lastMessage!.content)).toBe('first');

      await send(appId, 'bob', 'alice', 200, 'reply');
      expect(await listAll(appId, 'bob')).toEqual([
        expect.objectContaining({ maxSeq: 2, readSeq: 2, unreadCount: 0, lastActiveAt: 200 }),
      ]);
      const [forAlice] = await listAll(appId, 'alice');
      expect(forAlice).toMatchObject({ maxSeq: 2, readSeq: 1, unreadCount: 1, lastActiveAt: 200 });
      expect(text(forAlice!.lastMessage!.content)).toBe('reply');

      await send(appId, 'alice', 'alice', 300, 'note');
      expect((await listAll(appId, 'alice'))[0]).toMatchObject({
        conversation: { type: 'user', id: 'alice' },
        readSeq: 1,
        unreadCount: 0,
      });
    });

    it('lists the system conversation of a recipient without moving its cursor', async () => {
      const appId = uniqueId('app');
      await send(appId, '', 'carol', 100, 'welcome');
      await send(appId, '', 'carol', 110, 'again');
      const [summary] = await listAll(appId, 'carol');
      expect(summary).toMatchObject({
        conversation: { type: 'system', id: '' },
        maxSeq: 2,
        readSeq: 0,
        unreadCount: 2,
      });
      expect(summary?.lastMessage?.conversation).toEqual({ type: 'system', id: '' });
      expect(await storage.conversations.markRead(appId, 'carol', { type: 'system', id: '' }, 1)).toEqual({
        readSeq: 1,
        changed: true,
      });
      expect((await listAll(appId, 'carol'))[0]).toMatchObject({ readSeq: 1, unreadCount: 1 });
    });

    it('moves a group sender cursor and shows members joined later nothing before their join', async () => {
      const appId = uniqueId('app');
      await createGroup(appId, 'g1', 50);
      await postToGroup(appId, 'g1', 'alice', 100, 'one');
      await postToGroup(appId, 'g1', 'bob', 110, 'two');
      expect(await storage.groups.member(appId, 'g1', 'alice')).toMatchObject({ readSeq: 1 });
      expect(await storage.groups.member(appId, 'g1', 'bob')).toMatchObject({ readSeq: 2 });
      expect(await storage.groups.member(appId, 'g1', 'carol')).toMatchObject({ readSeq: 0 });
      const [forCarol] = await listAll(appId, 'carol');
      expect(forCarol).toMatchObject({
        conversation: { type: 'group', id: 'g1' },
        maxSeq: 2,
        readSeq: 0,
        unreadCount: 2,
        joinSeq: 0,
        lastActiveAt: 110,
      });
      expect(forCarol?.lastMessage).toMatchObject({
        conversation: { type: 'group', id: 'g1' },
        conversationSeq: 2,
      });

      await storage.groups.addMembers(appId, 'g1', ['dave'], 'member', 500);
      expect(await listAll(appId, 'dave')).toEqual([
        {
          conversation: { type: 'group', id: 'g1' },
          lastMessage: undefined,
          maxSeq: 2,
          readSeq: 2,
          unreadCount: 0,
          large: false,
          joinSeq: 2,
          lastActiveAt: 500,
        },
      ]);
      await postToGroup(appId, 'g1', 'carol', 600, 'three');
      expect((await listAll(appId, 'dave'))[0]).toMatchObject({ unreadCount: 1, lastActiveAt: 600 });

      // A group with no message yet: listed from its creation.
      await createGroup(appId, 'quiet', 700, ['dave']);
      expect((await listAll(appId, 'dave'))[0]).toMatchObject({
        conversation: { type: 'group', id: 'quiet' },
        maxSeq: 0,
        lastMessage: undefined,
        lastActiveAt: 700,
      });
    });

    it('never gives a removed member its row back on send', async () => {
      const appId = uniqueId('app');
      await createGroup(appId, 'g1', 50);
      await storage.groups.removeMembers(appId, 'g1', ['bob'], 60);
      await postToGroup(appId, 'g1', 'bob', 100);
      expect(await storage.groups.member(appId, 'g1', 'bob')).toBeUndefined();
      expect(await storage.groups.memberIds(appId, 'g1')).toEqual(['alice', 'carol']);
      expect(await listAll(appId, 'bob')).toEqual([]);

      // Also while the removal races the member's own sends.
      await storage.groups.addMembers(appId, 'g1', ['bob'], 'member', 70);
      await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => postToGroup(appId, 'g1', 'bob', 200 + i)),
        storage.groups.removeMembers(appId, 'g1', ['bob'], 201),
        ...Array.from({ length: 5 }, (_, i) => postToGroup(appId, 'g1', 'bob', 300 + i)),
      ]);
      expect(await storage.groups.member(appId, 'g1', 'bob')).toBeUndefined();
      expect(await storage.groups.get(appId, 'g1')).toMatchObject({ memberCount: 2 });
    });

    it('marks read forward only, capped at the max seq, for members and parties only', async () => {
      const appId = uniqueId('app');
      for (let i = 0; i < 4; i++) await send(appId, 'alice', 'bob', 100 + i);
      const bobSeesAlice = { type: 'user', id: 'alice' } as const;
      expect(await storage.conversations.markRead(appId, 'bob', bobSeesAlice, 2)).toEqual({
        readSeq: 2,
        changed: true,
      });
      expect(await storage.conversations.markRead(appId, 'bob', bobSeesAlice, 1)).toEqual({
        readSeq: 2,
        changed: false,
      });
      expect(await storage.conversations.markRead(appId, 'bob', bobSeesAlice, 99)).toEqual({
        readSeq: 4,
        changed: true,
      });
      expect(await storage.conversations.markRead(appId, 'bob', bobSeesAlice, 99)).toEqual({
        readSeq: 4,
        changed: false,
      });
      // A message arriving leaves the recipient's cursor where it was.
      await send(appId, 'alice', 'bob', 110);
      expect((await listAll(appId, 'bob'))[0]).toMatchObject({ maxSeq: 5, readSeq: 4, unreadCount: 1 });

      await createGroup(appId, 'g1', 50);
      await postToGroup(appId, 'g1', 'alice', 200);
      expect(await storage.conversations.markRead(appId, 'carol', { type: 'group', id: 'g1' }, 5)).toEqual({
        readSeq: 1,
        changed: true,
      });

      for (const [userId, conversation] of [
        ['carol', { type: 'user', id: 'alice' }],
        ['bob', { type: 'system', id: '' }],
        ['dave', { type: 'group', id: 'g1' }],
        ['alice', { type: 'group', id: 'nope' }],
      ] as const) {
        await expect(storage.conversations.markRead(appId, userId, conversation, 1)).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
      }
      await expect(
        storage.conversations.markRead(appId, 'bob', { type: 'room', id: 'r' }, 1),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(storage.conversations.markRead(appId, 'bob', bobSeesAlice, -1)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('orders the list by last activity, pages it, and refuses foreign or malformed cursors', async () => {
      const appId = uniqueId('app');
      await send(appId, 'bob', 'alice', 300);
      await send(appId, 'alice', 'carol', 100);
      await send(appId, '', 'alice', 200);
      await createGroup(appId, 'g-late', 400, []);
      await createGroup(appId, 'g-tie', 300, []);
      await createGroup(appId, 'g-busy', 10, []);
      await postToGroup(appId, 'g-busy', 'alice', 500);

      const all = await listAll(appId, 'alice');
      expect(all.map((s) => [s.conversation.type, s.conversation.id, s.lastActiveAt])).toEqual([
        ['group', 'g-busy', 500],
        ['group', 'g-late', 400],
        ['group', 'g-tie', 300],
        ['user', 'bob', 300],
        ['system', '', 200],
        ['user', 'carol', 100],
      ]);
      const paged: ConversationSummary[] = [];
      let cursor = '';
      do {
        const page = await storage.conversations.list(appId, 'alice', cursor, 2);
        expect(page.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== '');
      expect(paged).toEqual(all);

      const first = await storage.conversations.list(appId, 'alice', '', 1);
      for (const bad of [
        'not base64!',
        encodeCursor({}),
        encodeCursor(['alice', 'x', 'user', 'k']),
        Buffer.from('[').toString('base64url'),
      ]) {
        await expect(storage.conversations.list(appId, 'alice', bad, 10)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
      await expect(storage.conversations.list(appId, 'bob', first.nextCursor, 10)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(storage.conversations.list(appId, 'alice', '', 0)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect(await storage.conversations.list(appId, 'nobody', '', 10)).toEqual({
        items: [],
        nextCursor: '',
      });
    });

    it('reads a group conversation in pages bounded by count and bytes', async () => {
      const appId = uniqueId('app');
      await createGroup(appId, 'g1', 50);
      for (let i = 1; i <= 5; i++) await postToGroup(appId, 'g1', 'alice', 100 + i, `m${i}`);
      await postToGroup(appId, 'other', 'alice', 200);

      const first = await storage.conversations.readGroup(appId, 'g1', 0, 2);
      expect(first.messages.map((m) => [m.seq, m.conversationSeq, text(m.content)])).toEqual([
        [1, 1, 'm1'],
        [2, 2, 'm2'],
      ]);
      expect(first.messages[0]?.conversation).toEqual({ type: 'group', id: 'g1' });
      expect(first).toMatchObject({ hasMore: true, maxSeq: 5 });
      const rest = await storage.conversations.readGroup(appId, 'g1', 2, 10);
      expect(rest.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
      expect(rest.hasMore).toBe(false);
      expect(await storage.conversations.readGroup(appId, 'g1', 5, 10)).toEqual({
        messages: [],
        hasMore: false,
        maxSeq: 5,
      });
      expect(await storage.conversations.readGroup(appId, 'none', 0, 10)).toEqual({
        messages: [],
        hasMore: false,
        maxSeq: 0,
      });

      await postToGroup(appId, 'g1', 'alice', 300, 'x'.repeat(700));
      await postToGroup(appId, 'g1', 'alice', 301, 'y'.repeat(700));
      const bounded = await storage.conversations.readGroup(appId, 'g1', 5, 10, 1024);
      expect(bounded.messages.map((m) => m.seq)).toEqual([6]);
      expect(bounded.hasMore).toBe(true);
      await expect(storage.conversations.readGroup(appId, 'g1', 0, 10, 10)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(storage.conversations.readGroup(appId, 'g1', 0, 1001)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('reads history of a group, and above afterSeq', async () => {
      const appId = uniqueId('app');
      await createGroup(appId, 'g1', 50);
      for (let i = 1; i <= 5; i++) await postToGroup(appId, 'g1', 'alice', 100 + i);
      const history = (beforeSeq: number, afterSeq?: number) =>
        storage.messages.history({
          appId,
          userId: 'carol',
          conversation: { type: 'group', id: 'g1' },
          beforeSeq,
          ...(afterSeq === undefined ? {} : { afterSeq }),
          limit: 10,
        });
      expect((await history(0)).messages.map((m) => m.conversationSeq)).toEqual([5, 4, 3, 2, 1]);
      expect((await history(0, 3)).messages.map((m) => m.conversationSeq)).toEqual([5, 4]);
      expect(await history(4, 2)).toMatchObject({ hasMore: false });
      expect((await history(5, 2)).messages.map((m) => m.conversationSeq)).toEqual([4, 3]);
      expect((await history(0)).messages[0]?.conversation).toEqual({ type: 'group', id: 'g1' });
      await send(appId, 'alice', 'bob', 100);
      await send(appId, 'alice', 'bob', 101);
      const direct = await storage.messages.history({
        appId,
        userId: 'bob',
        conversation: { type: 'user', id: 'alice' },
        beforeSeq: 0,
        afterSeq: 1,
        limit: 10,
      });
      expect(direct.messages.map((m) => m.conversationSeq)).toEqual([2]);
      await expect(history(0, -1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}
