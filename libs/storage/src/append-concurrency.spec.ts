import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  groupAppend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';
import type { AppendInput, AppendResult } from './types.js';

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const GROUPS = ['g1', 'g2', 'g3'];

/** A small deterministic generator so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

for (const dialect of DIALECTS) {
  describe(`concurrent append on ${dialect}`, () => {
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

    it('keeps every inbox and every conversation gapless under 200 concurrent multi-inbox messages', async () => {
      const appId = uniqueId('app');
      const next = random(7);
      const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
      // Each message goes to 0..6 of the users, in a random order, so that inboxes overlap.
      const messages: AppendInput[] = Array.from({ length: 200 }, (_, i) => {
        const inboxUserIds = USERS.filter(() => next() < 0.6).sort(() => next() - 0.5);
        const group = pick(GROUPS);
        return groupAppend({
          appId,
          senderUserId: pick(USERS),
          clientMsgId: `m${i}`,
          conversation: { type: 'group', key: group },
          targetId: group,
          inboxUserIds,
        });
      });
      // Batches of 1..12 messages, plus retries of earlier ones placed in other batches.
      const batches: AppendInput[][] = [];
      for (let i = 0; i < messages.length;) {
        const size = 1 + Math.floor(next() * 12);
        const batch = messages.slice(i, i + size);
        if (i > 0 && next() < 0.3) batch.push(messages[Math.floor(next() * i)]!);
        batches.push(batch);
        i += size;
      }

      const results = await Promise.all(
        batches.map((batch, i) => instances[i % instances.length]!.messages.append(batch)),
      );

      const byClientMsgId = new Map<string, AppendResult[]>();
      batches.flat().forEach((message, i) => {
        const result = results.flat()[i]!;
        byClientMsgId.set(message.clientMsgId, [...(byClientMsgId.get(message.clientMsgId) ?? []), result]);
      });
      expect(byClientMsgId.size).toBe(200);
      for (const outcomes of byClientMsgId.values()) {
        expect(outcomes.filter((r) => !r.duplicate)).toHaveLength(1);
        // A retry answers exactly what the first append did.
        const first = { ...outcomes[0]!, duplicate: false };
        for (const outcome of outcomes) expect({ ...outcome, duplicate: false }).toEqual(first);
      }

      for (const user of USERS) {
        const expected = messages.filter((m) => m.inboxUserIds.includes(user));
        const {
          messages: inbox,
          hasMore,
          maxSeq,
        } = await instances[0]!.messages.syncInbox(appId, user, 0, 1000);
        expect(hasMore).toBe(false);
        expect(inbox.map((m) => m.seq)).toEqual(expected.map((_, i) => i + 1));
        expect(maxSeq).toBe(expected.length);
        // The seq each append reported for this user is where the message sits in the inbox.
        for (const m of inbox) {
          const sent = messages.find((s) => s.clientMsgId === m.clientMsgId)!;
          const result = byClientMsgId.get(m.clientMsgId)![0]!;
          expect(m.messageId).toBe(result.messageId);
          expect(m.seq).toBe(result.inboxSeqs[sent.inboxUserIds.indexOf(user)]);
        }
      }

      for (const group of GROUPS) {
        const history = await instances[0]!.messages.history({
          appId,
          userId: 'u1',
          conversation: { type: 'group', id: group },
          beforeSeq: 0,
          limit: 1000,
        });
        const count = messages.filter((m) => m.conversation.key === group).length;
        expect(history.messages.map((m) => m.conversationSeq)).toEqual(
          Array.from({ length: count }, (_, i) => count - i),
        );
      }
    });

    it('stores a multi-inbox message raced from every instance once, leaving no gap', async () => {
      const appId = uniqueId('app');
      for (let round = 0; round < 10; round++) {
        const message = groupAppend({ appId, inboxUserIds: ['u1', 'u2', 'u3'] });
        const raced = await Promise.all(
          [...instances, ...instances].map((storage) =>
            storage.messages.append([message, groupAppend({ appId, inboxUserIds: ['u3', 'u4'] })]),
          ),
        );
        const outcomes = raced.map(([result]) => result!);
        expect(outcomes.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(outcomes.map((r) => JSON.stringify(r.inboxSeqs))).size).toBe(1);
      }
      for (const user of ['u1', 'u2', 'u3', 'u4']) {
        const { messages, maxSeq } = await instances[0]!.messages.syncInbox(appId, user, 0, 1000);
        expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: maxSeq }, (_, i) => i + 1));
      }
      expect(await instances[0]!.users.maxSeq(appId, 'u1')).toBe(10);
    });
  });
}
