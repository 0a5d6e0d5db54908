import { Redis } from 'ioredis';

/**
 * Deletes every key of a Redis (not a cluster) that contains `fragment`, e.g. a test's key prefix:
 * how a test cleans up after itself. Not atomic (SCAN in steps): the services may write between the
 * steps, so a test that simulates lost data uses {@link wipeRedisKeys}.
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

/** Deletes the matching keys inside one script, so nothing runs between the deletions. */
const WIPE = `
local keys = redis.call('KEYS', ARGV[1])
for i = 1, #keys, 1000 do
  redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
end
return #keys`;

/**
 * Deletes every key of a Redis (not a cluster) that contains `fragment` in one atomic step: what a
 * Redis restart without persistence leaves. A stepwise delete lets a gate renew its lease and re-bind
 * its sessions between two steps, and the later step then deletes the fresh bindings while the fresh
 * lease survives: a loss no real restart produces.
 */
export async function wipeRedisKeys(url: string, fragment: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    return (await redis.eval(WIPE, 0, `*${fragment.replace(/[*?[\]\\]/g, '\\$&')}*`)) as number;
  } finally {
    redis.disconnect();
  }
}
