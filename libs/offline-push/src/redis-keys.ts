/**
 * The Redis key schema of `RedisStreamOfflinePushQueue`, in one place. `P` is the configured prefix
 * (for example `sb:`). The queue's Lua scripts touch several of these keys at once, so on Redis
 * Cluster the prefix must carry a hash tag (for example `{sb}:`) to keep them in one slot.
 */
export class OfflinePushKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** stream of waiting and leased events: fields `event` (JSON) and `attempt`; consumer group `group()`. */
  stream(): string {
    return `${this.#prefix}offline-push:stream`;
  }

  /** zset "<attempt>|<event JSON>" -> due time (unix ms) of events waiting to be retried. */
  delayed(): string {
    return `${this.#prefix}offline-push:delayed`;
  }

  /** stream of dead letters: fields `event`, `attempts`, `error`, `failedAt`; capped. */
  dead(): string {
    return `${this.#prefix}offline-push:dead`;
  }

  /** Every key above, for cleanup in tests and operations. */
  all(): string[] {
    return [this.stream(), this.delayed(), this.dead()];
  }
}
