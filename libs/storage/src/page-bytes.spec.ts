import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_PAGE_BYTES } from './limits.js';
import { messageBytes, takeWithinBytes } from './page-bytes.js';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';
import type { ConversationMessage } from './types.js';

const message = (contentBytes: number, id = 1): ConversationMessage => ({
  messageId: id,
  conversation: { type: 'user', id: 'bob' },
  conversationSeq: id,
  senderUserId: 'alice',
  senderDeviceId: 'phone',
  clientMsgId: `c${id}`,
  contentType: 'text',
  content: new Uint8Array(contentBytes),
  sentAt: 0,
});

describe('takeWithinBytes', () => {
  it('counts content, text fields and a fixed overhead', () => {
    expect(messageBytes(message(100))).toBe(
      100 + 'text'.length + 'c1'.length + 'alice'.length + 'phone'.length + 'bob'.length + 64,
    );
  });

  it('keeps the longest prefix that fits, but never less than one message', () => {
    const ms = [message(1000, 1), message(1000, 2), message(1000, 3)];
    const one = messageBytes(ms[0]!);
    expect(takeWithinBytes(ms, one * 2).map((m) => m.messageId)).toEqual([1, 2]);
    expect(takeWithinBytes(ms, one * 2 - 1).map((m) => m.messageId)).toEqual([1]);
    expect(takeWithinBytes(ms, 10).map((m) => m.messageId)).toEqual([1]);
    expect(takeWithinBytes(ms, Infinity)).toHaveLength(3);
    expect(takeWithinBytes([], 10)).toEqual([]);
  });
});

// Content sizes of alice's messages to bob, in send order: a large one first, then a mix.
const SIZES = [5000, 300, 300, 300, 2500, 100, 100];

for (const dialect of DIALECTS) {
  describe(`syncInbox and history pages bounded by bytes on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;
    const appId = uniqueId('app');

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
      for (const [i, size] of SIZES.entries()) {
        await storage.messages.sendDirect([directSend({ appId, content: new Uint8Array(size).fill(i) })]);
      }
    });
    afterAll(() => database.destroy());

    it('returns a message larger than the bound alone, then pages on by bytes until has_more is false', async () => {
      const pages: number[][] = [];
      let after = 0;
      for (;;) {
        const page = await storage.messages.syncInbox(appId, 'bob', after, 100, MIN_PAGE_BYTES);
        expect(page.messages.length).toBeGreaterThan(0);
        expect(page.maxSeq).toBe(SIZES.length);
        const bytes = page.messages.reduce((n, m) => n + messageBytes(m), 0);
        if (page.messages.length > 1) expect(bytes).toBeLessThanOrEqual(MIN_PAGE_BYTES);
        pages.push(page.messages.map((m) => m.seq));
        after = page.messages.at(-1)!.seq;
        if (!page.hasMore) break;
      }
      expect(pages).toEqual([[1], [2, 3], [4], [5], [6, 7]]);
    });

    it('ends a page at whichever bound comes first and says whether more follow', async () => {
      const all = await storage.messages.syncInbox(appId, 'bob', 0, 100);
      expect(all.messages).toHaveLength(SIZES.length);
      expect(all.hasMore).toBe(false);
      const total = all.messages.reduce((n, m) => n + messageBytes(m), 0);
      // Exactly enough bytes for everything is not "more".
      expect((await storage.messages.syncInbox(appId, 'bob', 0, 100, total)).hasMore).toBe(false);
      expect((await storage.messages.syncInbox(appId, 'bob', 0, 100, total - 1)).hasMore).toBe(true);
      // The count bound still applies when the bytes would allow more.
      const counted = await storage.messages.syncInbox(appId, 'bob', 5, 1, 1 << 20);
      expect(counted.messages.map((m) => m.seq)).toEqual([6]);
      expect(counted.hasMore).toBe(true);
    });

    it('bounds history pages the same way, newest first', async () => {
      const pages: number[][] = [];
      let before = 0;
      for (;;) {
        const page = await storage.messages.history({
          appId,
          userId: 'bob',
          conversation: { type: 'user', id: 'alice' },
          beforeSeq: before,
          limit: 100,
          maxBytes: MIN_PAGE_BYTES,
        });
        expect(page.messages.length).toBeGreaterThan(0);
        pages.push(page.messages.map((m) => m.conversationSeq));
        before = page.messages.at(-1)!.conversationSeq;
        if (!page.hasMore) break;
      }
      expect(pages).toEqual([[7, 6], [5], [4, 3], [2], [1]]);
    });

    it('rejects a byte bound below the minimum', async () => {
      await expect(storage.messages.syncInbox(appId, 'bob', 0, 10, MIN_PAGE_BYTES - 1)).rejects.toMatchObject(
        {
          code: 'INVALID_ARGUMENT',
        },
      );
    });
  });
}
