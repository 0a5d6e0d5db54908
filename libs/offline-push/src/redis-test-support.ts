import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';

/** A key prefix no other test run shares: `test:offline-push:<random>:`. */
export function testPrefix(): string {
  return `test:offline-push:${randomUUID()}:`;
}

/** Deletes every key under `prefix` (SCAN, so it also finds keys a test created by hand). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      1000,
    );
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Polls `check` until it returns true; fails after `timeoutMs` (generous: not a timing assertion). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
