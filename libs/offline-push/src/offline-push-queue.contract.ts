import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OfflinePushEvent } from './offline-push-event.js';
import { type OfflinePushQueue } from './offline-push-queue.js';

/** A queue under test, plus how to release what it created (keys, connections). */
export interface OfflinePushQueueFixture {
  readonly queue: OfflinePushQueue;
  close?(): Promise<void>;
}

/**
 * Builds a fresh, empty queue holding at most `maxQueued` entries and reading time from `now`. The
 * suite drives the clock itself, so no test sleeps or depends on timing.
 */
export type OfflinePushQueueFactory = (options: {
  maxQueued: number;
  now: () => number;
}) => Promise<OfflinePushQueueFixture>;

const MAX_QUEUED = 5;

/** An event for tests; `n` makes its ids unique. */
export function testEvent(n: number, over: Partial<OfflinePushEvent> = {}): OfflinePushEvent {
  return {
    id: `app1:${n}:bob`,
    appId: 'app1',
    userId: 'bob',
    messageId: String(n),
    senderUserId: 'alice',
    groupId: '',
    contentType: 'text/plain',
    preview: `hello ${n}`,
    sentAt: 1_700_000_000_000 + n,
    ...over,
  };
}

/**
 * The behaviour every `OfflinePushQueue` must have, written once and run against each
 * implementation. Call it at the top level of a spec file.
 */
export function offlinePushQueueContract(name: string, factory: OfflinePushQueueFactory): void {
  describe(`OfflinePushQueue contract: ${name}`, () => {
    let now = 1_700_000_000_000;
    let fixture: OfflinePushQueueFixture;
    let queue: OfflinePushQueue;

    beforeEach(async () => {
      now = 1_700_000_000_000;
      fixture = await factory({ maxQueued: MAX_QUEUED, now: () => now });
      queue = fixture.queue;
    });

    afterEach(async () => {
      await fixture.close?.();
    });

    it('hands out enqueued events first in first out, each once, as attempt 1', async () => {
      expect(await queue.enqueue(testEvent(1))).toBe(true);
      expect(await queue.enqueue(testEvent(2))).toBe(true);
      expect(await queue.enqueue(testEvent(3))).toBe(true);
      const first = await queue.take(2);
      expect(first.map((e) => [e.event, e.attempt])).toEqual([
        [testEvent(1), 1],
        [testEvent(2), 1],
      ]);
      const second = await queue.take(10);
      expect(second.map((e) => e.event.id)).toEqual([testEvent(3).id]);
      expect(await queue.take(10)).toEqual([]);
    });

    it('keeps leased entries until they are acknowledged', async () => {
      await queue.enqueue(testEvent(1));
      const [entry] = await queue.take(1);
      expect(await queue.depth()).toBe(1);
      await queue.ack(entry!);
      expect(await queue.depth()).toBe(0);
      expect(await queue.take(1)).toEqual([]);
    });

    it('takes nothing when asked for nothing', async () => {
      await queue.enqueue(testEvent(1));
      expect(await queue.take(0)).toEqual([]);
      expect((await queue.take(1)).length).toBe(1);
    });

    it('hands a retried entry out again, as the next attempt, only once its delay has passed', async () => {
      await queue.enqueue(testEvent(1));
      const [entry] = await queue.take(1);
      await queue.retry(entry!, 1000);
      expect(await queue.depth()).toBe(1);
      expect(await queue.take(10)).toEqual([]);
      now += 999;
      expect(await queue.take(10)).toEqual([]);
      now += 1;
      const [again] = await queue.take(10);
      expect(again?.event).toEqual(testEvent(1));
      expect(again?.attempt).toBe(2);
      await queue.retry(again!, 10);
      now += 10;
      expect((await queue.take(10)).map((e) => e.attempt)).toEqual([3]);
    });

    it('does not let a waiting retry hold up later events', async () => {
      await queue.enqueue(testEvent(1));
      const [failing] = await queue.take(1);
      await queue.retry(failing!, 60_000);
      await queue.enqueue(testEvent(2));
      await queue.enqueue(testEvent(3));
      expect((await queue.take(10)).map((e) => e.event.id)).toEqual([testEvent(2).id, testEvent(3).id]);
    });

    it('moves a dead-lettered entry to the dead letters with its last error', async () => {
      await queue.enqueue(testEvent(1));
      const [entry] = await queue.take(1);
      await queue.retry(entry!, 0);
      const [again] = await queue.take(1);
      now += 5;
      await queue.deadLetter(again!, 'HTTP 500');
      expect(await queue.depth()).toBe(0);
      expect(await queue.take(10)).toEqual([]);
      expect(await queue.deadLetters()).toEqual([
        { event: testEvent(1), attempts: 2, error: 'HTTP 500', failedAt: now },
      ]);
    });

    it('counts only the first settlement of an entry', async () => {
      await queue.enqueue(testEvent(1));
      const [entry] = await queue.take(1);
      await queue.ack(entry!);
      await queue.deadLetter(entry!, 'late');
      await queue.retry(entry!, 0);
      expect(await queue.deadLetters()).toEqual([]);
      expect(await queue.depth()).toBe(0);
      expect(await queue.take(10)).toEqual([]);
    });

    it('refuses new events past its maximum, counting leased and scheduled entries', async () => {
      for (let n = 1; n <= MAX_QUEUED; n++) expect(await queue.enqueue(testEvent(n))).toBe(true);
      expect(await queue.enqueue(testEvent(99))).toBe(false);
      expect(await queue.depth()).toBe(MAX_QUEUED);
      const [first, second] = await queue.take(2);
      await queue.retry(first!, 60_000);
      expect(await queue.enqueue(testEvent(99))).toBe(false);
      await queue.ack(second!);
      expect(await queue.enqueue(testEvent(6))).toBe(true);
      expect(await queue.enqueue(testEvent(7))).toBe(false);
      const ids = (await queue.take(10)).map((e) => e.event.id);
      expect(ids).toEqual([3, 4, 5, 6].map((n) => testEvent(n).id));
    });
  });
}
