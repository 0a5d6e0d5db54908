import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';
import type { DirectSendInput, DirectSendResult } from './types.js';

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];

/** A small deterministic generator so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

for (const dialect of DIALECTS) {
  describe(`concurrent sendDirect on ${dialect}`, () => {
    let database: TestDatabase;
    // Several instances stand for several logic processes; SQLite has one per process by design.
    let instances: Storage[];

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      const count = dialect === 'mysql' ? 3 : 1;
      instances = await Promise.all(Array.from({ length: count }, () => database.open()));
      await instances[0]!.migrate();
    });
    afterAll(() => database.destroy());

    async function readInbox(appId: string, userId: string) {
      const { messages, hasMore, maxSeq } = await instances[0]!.messages.syncInbox(appId, userId, 0, 1000);
      expect(hasMore).toBe(false);
      return { messages, maxSeq };
    }

    it('keeps every inbox gapless and stores each message once under 200 concurrent sends', async () => {
      const appId = uniqueId('app');
      const next = random(42);
      const pick = () => USERS[Math.floor(next() * USERS.length)]!;
      const sends: DirectSendInput[] = Array.from({ length: 200 }, (_, i) =>
        directSend({ appId, senderUserId: pick(), recipientUserId: pick(), clientMsgId: `m${i}` }),
      );
      // Batches of 1..12 sends, plus retries of earlier sends placed in other batches.
      const batches: DirectSendInput[][] = [];
      for (let i = 0; i < sends.length;) {
        const size = 1 + Math.floor(next() * 12);
        const batch = sends.slice(i, i + size);
        if (i > 0 && next() < 0.3) batch.push(sends[Math.floor(next() * i)]!);
        batches.push(batch);
        i += size;
      }

      const results = await Promise.all(
        batches.map((batch, i) => instances[i % instances.length]!.messages.sendDirect(batch)),
      );

      const byClientMsgId = new Map<string, DirectSendResult[]>();
      batches.flat().forEach((send, i) => {
        const result = results.flat()[i]!;
        byClientMsgId.set(send.clientMsgId, [...(byClientMsgId.get(send.clientMsgId) ?? []), result]);
      });
      expect(byClientMsgId.size).toBe(200);
      for (const outcomes of byClientMsgId.values()) {
        expect(outcomes.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(outcomes.map((r) => r.messageId)).size).toBe(1);
      }

      const messageIds = new Set<number>();
      for (const user of USERS) {
        const expected = sends.filter((s) => s.senderUserId === user || s.recipientUserId === user);
        const { messages, maxSeq } = await readInbox(appId, user);
        expect(messages.map((m) => m.seq)).toEqual(expected.map((_, i) => i + 1));
        expect(maxSeq).toBe(expected.length);
        expect(new Set(messages.map((m) => m.clientMsgId))).toEqual(
          new Set(expected.map((s) => s.clientMsgId)),
        );
        messages.forEach((m) => messageIds.add(m.messageId));
        // The seqs a send reported are where the message sits in each inbox.
        for (const m of messages) {
          const result = byClientMsgId.get(m.clientMsgId)![0]!;
          expect(m.messageId).toBe(result.messageId);
          expect(m.seq).toBe(m.senderUserId === user ? result.senderSeq : result.recipientSeq);
        }
      }
      expect(messageIds.size).toBe(200);
    });

    it('keeps conversation seqs gapless too', async () => {
      const appId = uniqueId('app');
      const batches = Array.from({ length: 40 }, (_, b) =>
        Array.from({ length: 5 }, (_, i) =>
          directSend({ appId, senderUserId: USERS[(b + i) % 2]!, recipientUserId: USERS[(b + i + 1) % 2]! }),
        ),
      );
      await Promise.all(
        batches.map((batch, i) => instances[i % instances.length]!.messages.sendDirect(batch)),
      );
      const history = await instances[0]!.messages.history({
        appId,
        userId: 'u1',
        conversation: { type: 'user', id: 'u2' },
        beforeSeq: 0,
        limit: 1000,
      });
      expect(history.messages.map((m) => m.conversationSeq)).toEqual(
        Array.from({ length: 200 }, (_, i) => 200 - i),
      );
    });

    it('stores a send raced from every instance once, leaving no gap', async () => {
      const appId = uniqueId('app');
      for (let round = 0; round < 10; round++) {
        const send = directSend({ appId, senderUserId: 'u1', recipientUserId: 'u2' });
        const raced = await Promise.all(
          [...instances, ...instances].map((storage) =>
            storage.messages.sendDirect([send, directSend({ appId })]),
          ),
        );
        const outcomes = raced.map(([result]) => result!);
        expect(outcomes.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(outcomes.map((r) => r.messageId)).size).toBe(1);
      }
      for (const user of ['u1', 'u2', 'alice', 'bob']) {
        const { messages, maxSeq } = await readInbox(appId, user);
        expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: maxSeq }, (_, i) => i + 1));
      }
      expect((await readInbox(appId, 'u2')).maxSeq).toBe(10);
    });
  });
}
