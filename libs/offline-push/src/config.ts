/**
 * Settings of offline push. Every field has a default ({@link DEFAULT_OFFLINE_PUSH_CONFIG}); the
 * integrator maps its zod config onto a `Partial` of this and passes it to {@link resolveOfflinePushConfig}.
 */
export interface OfflinePushConfig {
  /** Delivery attempts of one event, the first included, before it is dead-lettered. */
  readonly maxAttempts: number;
  /** Delay before the first retry; each next retry doubles it (with jitter). */
  readonly backoffBaseMs: number;
  /** Upper bound of a retry delay. */
  readonly backoffMaxMs: number;
  /** Timeout of one webhook POST, headers and body. */
  readonly timeoutMs: number;
  /** Webhook POSTs one worker keeps in flight at most. */
  readonly concurrency: number;
  /** Code points of a text message's preview. */
  readonly previewChars: number;
  /** Events the in-memory queue holds at most; new events beyond it are dropped and counted. */
  readonly memoryMaxQueued: number;
  /** Events the Redis stream holds at most; new events beyond it are dropped and counted. */
  readonly redisMaxLen: number;
  /**
   * A Redis entry left pending this long by a worker (one that crashed) is reclaimed by another. Must
   * exceed `timeoutMs`, or a slow but live POST would be reclaimed and sent twice.
   */
  readonly claimIdleMs: number;
}

export const DEFAULT_OFFLINE_PUSH_CONFIG: OfflinePushConfig = Object.freeze({
  maxAttempts: 8,
  backoffBaseMs: 1000,
  backoffMaxMs: 300_000,
  timeoutMs: 5000,
  concurrency: 16,
  previewChars: 100,
  memoryMaxQueued: 10_000,
  redisMaxLen: 1_000_000,
  claimIdleMs: 60_000,
});

/** Fills in defaults and rejects values that cannot work (a zero concurrency, a negative delay). */
export function resolveOfflinePushConfig(partial: Partial<OfflinePushConfig> = {}): OfflinePushConfig {
  const config = { ...DEFAULT_OFFLINE_PUSH_CONFIG, ...partial };
  for (const [key, value] of Object.entries(config)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`offline push: ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  for (const key of ['maxAttempts', 'concurrency', 'timeoutMs', 'memoryMaxQueued', 'redisMaxLen'] as const) {
    if (config[key] < 1) throw new RangeError(`offline push: ${key} must be at least 1`);
  }
  if (config.claimIdleMs <= config.timeoutMs) {
    throw new RangeError('offline push: claimIdleMs must exceed timeoutMs');
  }
  return config;
}
