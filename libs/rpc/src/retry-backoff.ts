/**
 * The pause before a retried call's next attempt, as the balanced channel's retry policy has
 * grpc-js make it (balancedChannel): the cap starts at `initialMs`, doubles per attempt up to
 * `maxMs`, and the pause is drawn uniformly below it. Callers that retry on their own (in-process
 * channels, resent stream frames) wait the same.
 */
export const RETRY_BACKOFF = { initialMs: 50, maxMs: 500, multiplier: 2 } as const;

/** The pause after attempt number `attempt` (1 for the first) failed. */
export function retryBackoffMs(attempt: number): number {
  const { initialMs, maxMs, multiplier } = RETRY_BACKOFF;
  return Math.random() * Math.min(initialMs * multiplier ** (attempt - 1), maxMs);
}
