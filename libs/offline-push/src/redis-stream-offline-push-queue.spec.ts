import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { offlinePushQueueContract, testEvent } from './offline-push-queue.contract.js';
import { type QueuedPush } from './offline-push-queue.js';
import { type RedisOfflinePushClient } from './redis-client.js';
import { RedisStreamOfflinePushQueue } from './redis-stream-offline-push-queue.js';
import { deleteKeysUnder, testPrefix, waitFor } from './redis-test-support.js';

// Real Redis at 127.0.0.1:6379; every queue lives under its own random prefix, deleted afterwards.
let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

function newQueue(
  options: Partial<ConstructorParameters<typeof RedisStreamOfflinePushQueue>[0]> = {},
): RedisStreamOfflinePushQueue {
  const keyPrefix = options.keyPrefix ?? testPrefix();
  prefixes.push(keyPrefix);
  const client: RedisOfflinePushClient = redis;
  return new RedisStreamOfflinePushQueue({
    client,
    keyPrefix,
    maxLen: 1000,
    claimIdleMs: 60_000,
    ...options,
  });
}

offlinePushQueueContract('redis stream', ({ maxQueued, now }) => {
  const keyPrefix = testPrefix();
  const queue = newQueue({ keyPrefix, maxLen: maxQueued, now });
  return Promise.resolve({ queue, close: () => deleteKeysUnder(redis, keyPrefix) });
});

describe('RedisStreamOfflinePushQueue specifics', () => {
  const prefix = testPrefix();

  afterEach(async () => {
    await deleteKeysUnder(redis, prefix);
  });

  it('keeps its keys under the prefix, the dead letters at <prefix>offline-push:dead', async () => {
    const queue = newQueue({ keyPrefix: prefix });
    await queue.enqueue(testEvent(1));
    const [entry] = await queue.take(1);
    await queue.deadLetter(entry!, 'HTTP 400');
    expect(await redis.exists(`${prefix}offline-push:dead`)).toBe(1);
    expect(await redis.xlen(`${prefix}offline-push:dead`)).toBe(1);
  });

  it('delivers events enqueued before any worker created the consumer group', async () => {
    const producer = newQueue({ keyPrefix: prefix });
    await producer.enqueue(testEvent(1));
    const worker = newQueue({ keyPrefix: prefix });
    expect((await worker.take(10)).map((e) => e.event.id)).toEqual([testEvent(1).id]);
  });

  it('shares one stream between workers: each entry goes to one of them', async () => {
    const a = newQueue({ keyPrefix: prefix, consumer: 'a' });
    const b = newQueue({ keyPrefix: prefix, consumer: 'b' });
    for (let n = 1; n <= 20; n++) await a.enqueue(testEvent(n));
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (const queue of [a, b]) {
        for (const entry of await queue.take(3)) {
          seen.push(entry.event.id);
          await queue.ack(entry);
        }
      }
    }
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => testEvent(i + 1).id).sort());
  });

  it('lets another worker reclaim an entry a crashed worker left pending past claimIdleMs', async () => {
    const crashed = newQueue({ keyPrefix: prefix, consumer: 'crashed', claimIdleMs: 100 });
    await crashed.enqueue(testEvent(1));
    const [lost] = await crashed.take(1);
    expect(lost?.attempt).toBe(1);
    // `crashed` never settles its entry. Another worker sees nothing new, then reclaims it once idle.
    const survivor = newQueue({ keyPrefix: prefix, consumer: 'survivor', claimIdleMs: 100 });
    let reclaimed: QueuedPush[] = [];
    await waitFor(async () => (reclaimed = await survivor.take(10)).length > 0, 'the reclaim');
    expect(reclaimed.map((e) => [e.event, e.attempt])).toEqual([[testEvent(1), 1]]);
    await survivor.ack(reclaimed[0]!);
    expect(await survivor.depth()).toBe(0);
    // The crashed worker's late acknowledgement is a no-op.
    await crashed.deadLetter(lost!, 'late');
    expect(await survivor.deadLetters()).toEqual([]);
  });

  it('re-creates its consumer group when the stream is deleted under it', async () => {
    const queue = newQueue({ keyPrefix: prefix });
    await queue.enqueue(testEvent(1));
    expect((await queue.take(1)).length).toBe(1);
    await redis.del(queue.keys.stream());
    await queue.enqueue(testEvent(2));
    expect((await queue.take(1)).map((e) => e.event.id)).toEqual([testEvent(2).id]);
  });
});
