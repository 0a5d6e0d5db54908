/** The two fields a token bucket needs, kept on the connection itself (no object per connection). */
export interface TokenBucketState {
  /** Whole tokens left. */
  tokens: number;
  /**
   * The time (ms) the tokens were counted at. The part of a token earned since then is kept as
   * time, not as a fraction in `tokens`: a whole number stays inline in the connection object,
   * where V8 would box a fractional one (16 more bytes per connection).
   */
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

/**
 * Refills for the time passed and takes one token; false when the bucket is empty (flood). Admits
 * exactly what a bucket holding fractional tokens would: `min(burst, tokens + elapsed × rate)`.
 */
export function takeToken(state: TokenBucketState, limit: RateLimit, now: number): boolean {
  if (state.tokens >= limit.burst) {
    // A full bucket earns nothing: the clock starts when a token is taken.
    if (now > state.tokensAt) state.tokensAt = now;
  } else {
    const earned = Math.floor(((now - state.tokensAt) * limit.packetsPerSecond) / 1000);
    if (earned > 0) {
      if (state.tokens + earned >= limit.burst) {
        state.tokens = limit.burst;
        state.tokensAt = now;
      } else {
        state.tokens += earned;
        state.tokensAt += (earned * 1000) / limit.packetsPerSecond;
      }
    }
  }
  if (state.tokens < 1) return false;
  state.tokens -= 1;
  return true;
}
