import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillBucket, takeToken, type TokenBucketState } from './token-bucket.js';

describe('token bucket', () => {
  it('allows a burst, then packetsPerSecond', () => {
    const s: TokenBucketState = { tokens: 0, tokensAt: 0 };
    const limit = { packetsPerSecond: 10, burst: 5 };
    fillBucket(s, limit, 0);
    for (let i = 0; i < 5; i++) expect(takeToken(s, limit, 0)).toBe(true);
    expect(takeToken(s, limit, 0)).toBe(false);
    expect(takeToken(s, limit, 100)).toBe(true);
    expect(takeToken(s, limit, 100)).toBe(false);
    expect(takeToken(s, limit, 10_000)).toBe(true);
    expect(s.tokens).toBe(4);
  });

  it('never admits more than burst + rate × elapsed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (gaps) => {
        const limit = { packetsPerSecond: 20, burst: 10 };
        const s: TokenBucketState = { tokens: 0, tokensAt: 0 };
        fillBucket(s, limit, 0);
        let now = 0;
        let admitted = 0;
        for (const gap of gaps) {
          now += gap;
          if (takeToken(s, limit, now)) admitted++;
        }
        expect(admitted).toBeLessThanOrEqual(limit.burst + (now * limit.packetsPerSecond) / 1000);
      }),
    );
  });

  it('admits exactly what a bucket of fractional tokens would', () => {
    // The model counts thousandths of a token in integers, so it is exact: min(burst, tokens +
    // elapsed × rate), one token per packet. Rates dividing 1000 keep the bucket's clock whole.
    const rates = [1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 200, 250, 500, 1000];
    fc.assert(
      fc.property(
        fc.constantFrom(...rates),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }),
        (packetsPerSecond, burst, gaps) => {
          const limit = { packetsPerSecond, burst };
          const s: TokenBucketState = { tokens: 0, tokensAt: 0 };
          fillBucket(s, limit, 0);
          let milli = burst * 1000;
          let last = 0;
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            milli = Math.min(burst * 1000, milli + (now - last) * packetsPerSecond);
            last = now;
            const admitted = milli >= 1000;
            if (admitted) milli -= 1000;
            expect(takeToken(s, limit, now)).toBe(admitted);
            expect(Number.isInteger(s.tokens) && Number.isInteger(s.tokensAt)).toBe(true);
          }
        },
      ),
    );
  });
});
