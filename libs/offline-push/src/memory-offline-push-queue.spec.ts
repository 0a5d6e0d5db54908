import { describe, expect, it } from 'vitest';
import { MemoryOfflinePushQueue } from './memory-offline-push-queue.js';
import { offlinePushQueueContract, testEvent } from './offline-push-queue.contract.js';

offlinePushQueueContract('memory', ({ maxQueued, now }) =>
  Promise.resolve({ queue: new MemoryOfflinePushQueue({ maxQueued, now }) }),
);

describe('MemoryOfflinePushQueue specifics', () => {
  it('counts the events it refused', async () => {
    const queue = new MemoryOfflinePushQueue({ maxQueued: 1 });
    await queue.enqueue(testEvent(1));
    await queue.enqueue(testEvent(2));
    await queue.enqueue(testEvent(3));
    expect(queue.dropped).toBe(2);
  });

  it('keeps at most maxDeadLetters dead letters, forgetting the oldest', async () => {
    const queue = new MemoryOfflinePushQueue({ maxQueued: 10, maxDeadLetters: 2 });
    for (let n = 1; n <= 3; n++) await queue.enqueue(testEvent(n));
    for (const entry of await queue.take(3)) await queue.deadLetter(entry, 'HTTP 400');
    expect((await queue.deadLetters()).map((d) => d.event.messageId)).toEqual(['2', '3']);
  });
});
