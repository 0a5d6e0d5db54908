import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, wipeRedisKeys } from './scratch-redis-keys.js';

const url = 'redis://127.0.0.1:6379';

describe('wipeRedisKeys (real Redis)', () => {
  const prefix = `sbwipe-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(url);
  afterAll(async () => {
    await deleteRedisKeys(url, prefix);
    redis.disconnect();
  });

  it('deletes every key holding the fragment, and only those, with glob characters taken literally', async () => {
    for (let i = 0; i < 1500; i++) await redis.set(`{${prefix}:a}:${i}`, '1');
    await redis.set(`${prefix}*other`, '1');
    await redis.set(`${prefix}x-kept`, '1');
    expect(await wipeRedisKeys(url, `${prefix}:`)).toBe(1500);
    expect(await wipeRedisKeys(url, `${prefix}*`)).toBe(1);
    expect(await redis.keys(`*${prefix}*`)).toEqual([`${prefix}x-kept`]);
  });
});
