import { Redis } from 'ioredis';

/**
 * Deletes every key of a Redis (not a cluster) that contains `fragment`, e.g. a test's key prefix:
 * how a test cleans up after itself, or simulates a Redis restart without persistence.
 */
export async function deleteRedisKeys(url: string, fragment: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `*${fragment.replace(/[*?[\]\\]/g, '\\$&')}*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
