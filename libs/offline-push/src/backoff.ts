/**
 * The delay before attempt `attempt + 1` after attempt `attempt` failed: exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (a random point in the upper half), so that many events that
 * failed together (a receiver outage) do not all come back at the same moment.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
