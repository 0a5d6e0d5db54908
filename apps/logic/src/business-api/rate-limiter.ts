import { takeToken, type RateLimit, type TokenBucketState } from '@switchboard/rpc';

/** `logic.api.ratePerKey`: calls per second and burst per API key; perSecond 0 means no limit. */
export interface RatePerKey {
  perSecond: number;
  burst: number;
}

/** How often idle buckets are looked for, at most (ms). */
const SWEEP_EVERY_MS = 10_000;

/**
 * A token bucket per API key id. A bucket that has refilled completely holds nothing a fresh one
 * would not, so such buckets are dropped (looked for at most every 10 s, when a call comes): the
 * map holds only the keys that called within the last `burst / perSecond` seconds.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, TokenBucketState>();
  private readonly limit: RateLimit | undefined;
  private lastSweep: number;

  constructor(
    rate: RatePerKey,
    private readonly now: () => number = Date.now,
  ) {
    this.limit =
      rate.perSecond > 0 ? { packetsPerSecond: rate.perSecond, burst: Math.max(1, rate.burst) } : undefined;
    this.lastSweep = now();
  }

  /** Takes a token of `keyId`'s bucket; false when it is empty (the call is refused). */
  take(keyId: string): boolean {
    const limit = this.limit;
    if (!limit) return true;
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now, limit);
    let bucket = this.buckets.get(keyId);
    if (!bucket) {
      bucket = { tokens: limit.burst, tokensAt: now };
      this.buckets.set(keyId, bucket);
    }
    return takeToken(bucket, limit, now);
  }

  /** Buckets held now (for tests and a gauge). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number, limit: RateLimit): void {
    this.lastSweep = now;
    const refillMs = (limit.burst * 1000) / limit.packetsPerSecond;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens >= limit.burst || now - bucket.tokensAt >= refillMs) this.buckets.delete(key);
    }
  }
}
