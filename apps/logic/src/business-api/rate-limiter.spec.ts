import { describe, expect, it } from 'vitest';
import { KeyRateLimiter } from './rate-limiter.js';

describe('KeyRateLimiter', () => {
  it('admits a burst per key, then the refill rate', () => {
    let now = 0;
    const limiter = new KeyRateLimiter({ perSecond: 10, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('k'))).toEqual([true, true, true, false]);
    expect(limiter.take('other')).toBe(true);
    now += 100; // one token at 10 per second
    expect(limiter.take('k')).toBe(true);
    expect(limiter.take('k')).toBe(false);
  });

  it('admits everything when perSecond is 0, holding no buckets', () => {
    const limiter = new KeyRateLimiter({ perSecond: 0, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(limiter.take(`k${i}`)).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it('drops the buckets of keys idle long enough to have refilled', () => {
    let now = 0;
    const limiter = new KeyRateLimiter({ perSecond: 100, burst: 100 }, () => now);
    for (let i = 0; i < 500; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(500);
    now += 10_000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });

  it('keeps the bucket of a key still short of tokens', () => {
    let now = 0;
    const limiter = new KeyRateLimiter({ perSecond: 1, burst: 60 }, () => now);
    for (let i = 0; i < 60; i++) limiter.take('busy');
    now += 10_000; // 10 of 60 tokens back: not full yet
    limiter.take('other');
    expect(limiter.size).toBe(2);
    expect(limiter.take('busy')).toBe(true);
  });
});
