import { type OfflinePushEvent } from './offline-push-event.js';
import { type DeadLetter, type OfflinePushQueue, type QueuedPush } from './offline-push-queue.js';

/** Options of {@link MemoryOfflinePushQueue}. */
export interface MemoryOfflinePushQueueOptions {
  /** Entries held at most (waiting, leased and scheduled); `OfflinePushConfig.memoryMaxQueued`. */
  readonly maxQueued: number;
  /** Dead letters kept; the oldest are forgotten first. Default 1000. */
  readonly maxDeadLetters?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

interface Scheduled {
  readonly event: OfflinePushEvent;
  readonly attempt: number;
  readonly dueAt: number;
}

/**
 * The embedded queue of a single-process deployment. Bounded: past `maxQueued` entries `enqueue`
 * drops the new event and counts it in `dropped`. Nothing survives a restart.
 */
export class MemoryOfflinePushQueue implements OfflinePushQueue {
  readonly #maxQueued: number;
  readonly #maxDeadLetters: number;
  readonly #now: () => number;
  /** Waiting entries, first in first out. */
  readonly #ready: { event: OfflinePushEvent; attempt: number }[] = [];
  /** Retries not yet due, kept sorted by due time. */
  readonly #scheduled: Scheduled[] = [];
  /** Leased entries by receipt. */
  readonly #leased = new Map<string, QueuedPush>();
  readonly #dead: DeadLetter[] = [];
  #nextReceipt = 1;
  #dropped = 0;

  constructor(options: MemoryOfflinePushQueueOptions) {
    this.#maxQueued = options.maxQueued;
    this.#maxDeadLetters = options.maxDeadLetters ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Events refused because the queue was full, since construction. */
  get dropped(): number {
    return this.#dropped;
  }

  enqueue(event: OfflinePushEvent): Promise<boolean> {
    if (this.#size() >= this.#maxQueued) {
      this.#dropped += 1;
      return Promise.resolve(false);
    }
    this.#ready.push({ event, attempt: 1 });
    return Promise.resolve(true);
  }

  take(max: number): Promise<QueuedPush[]> {
    const now = this.#now();
    let due = 0;
    while (due < this.#scheduled.length && this.#scheduled[due]!.dueAt <= now) due += 1;
    for (const { event, attempt } of this.#scheduled.splice(0, due)) this.#ready.push({ event, attempt });
    const taken = this.#ready.splice(0, Math.max(0, max)).map(({ event, attempt }) => {
      const entry: QueuedPush = { event, attempt, receipt: String(this.#nextReceipt++) };
      this.#leased.set(entry.receipt, entry);
      return entry;
    });
    return Promise.resolve(taken);
  }

  ack(entry: QueuedPush): Promise<void> {
    this.#leased.delete(entry.receipt);
    return Promise.resolve();
  }

  retry(entry: QueuedPush, delayMs: number): Promise<void> {
    if (this.#leased.delete(entry.receipt)) {
      const item: Scheduled = {
        event: entry.event,
        attempt: entry.attempt + 1,
        dueAt: this.#now() + delayMs,
      };
      let at = this.#scheduled.length;
      while (at > 0 && this.#scheduled[at - 1]!.dueAt > item.dueAt) at -= 1;
      this.#scheduled.splice(at, 0, item);
    }
    return Promise.resolve();
  }

  deadLetter(entry: QueuedPush, error: string): Promise<void> {
    if (this.#leased.delete(entry.receipt)) {
      this.#dead.push({ event: entry.event, attempts: entry.attempt, error, failedAt: this.#now() });
      if (this.#dead.length > this.#maxDeadLetters) this.#dead.shift();
    }
    return Promise.resolve();
  }

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return Promise.resolve(this.#dead.slice(0, limit));
  }

  depth(): Promise<number> {
    return Promise.resolve(this.#size());
  }

  #size(): number {
    return this.#ready.length + this.#scheduled.length + this.#leased.size;
  }
}
