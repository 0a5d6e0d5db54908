/** The two fields a token bucket needs, kept on the connection itself (no object per connection). */
export interface TokenBucketState {
  /** Tokens left (fractional). */
  tokens: number;
  /** When `tokens` was last refilled (ms). */
  tokensAt: number;
}

/** Packets per second refilled and the most tokens held (the burst a client may send at once). */
export interface RateLimit {
  packetsPerSecond: number;
  burst: number;
}

/** Fills a fresh bucket: a new connection may send a full burst. */
export function fillBucket(state: TokenBucketState, limit: RateLimit, now: number): void {
  state.tokens = limit.burst;
  state.tokensAt = now;
}

/** Refills for the time passed and takes one token; false when the bucket is empty (flood). */
export function takeToken(state: TokenBucketState, limit: RateLimit, now: number): boolean {
  const elapsed = now - state.tokensAt;
  if (elapsed > 0) {
    state.tokens = Math.min(limit.burst, state.tokens + (elapsed * limit.packetsPerSecond) / 1000);
    state.tokensAt = now;
  }
  if (state.tokens < 1) return false;
  state.tokens -= 1;
  return true;
}
