import { type OfflinePushEvent } from './offline-push-event.js';

/** An event handed to one worker, which must settle it with `ack`, `retry` or `deadLetter`. */
export interface QueuedPush {
  readonly event: OfflinePushEvent;
  /** The number of this delivery attempt: 1 the first time, 2 after one `retry`, and so on. */
  readonly attempt: number;
  /** The queue's own handle of this entry (a stream entry id, a sequence number). */
  readonly receipt: string;
}

/** An event that will not be delivered, kept for inspection and replay by an operator. */
export interface DeadLetter {
  readonly event: OfflinePushEvent;
  /** Attempts made. */
  readonly attempts: number;
  /** Why the last attempt failed (`HTTP 500`, `timeout`, ...); never contains the webhook secret. */
  readonly error: string;
  /** Milliseconds since the epoch. */
  readonly failedAt: number;
}

/**
 * The queue between logic, which enqueues offline-push events, and the webhook workers, which take
 * and settle them. Implementations: `MemoryOfflinePushQueue` (one process) and
 * `RedisStreamOfflinePushQueue` (shared by every logic and worker process).
 *
 * Contract:
 * - **Bounded.** `enqueue` refuses a new event (returns `false`, the caller counts the drop) when the
 *   queue already holds its maximum; events already accepted, retries included, are never dropped.
 * - **Leased.** `take` hands each entry to one worker only. The worker settles it exactly once:
 *   `ack` (done, also for an event deliberately dropped), `retry` (again after `delayMs`, with
 *   `attempt + 1`) or `deadLetter`. Only the first settlement of an entry counts: a second one (a
 *   slow worker whose entry another worker reclaimed meanwhile) is a no-op.
 * - **Retries do not block.** A retried entry waits aside until it is due; `take` meanwhile hands out
 *   other events, so one failing receiver never holds up other apps' events.
 * - **At-least-once.** An entry taken and never settled (a crashed worker) comes back to some worker
 *   later, if the implementation survives the crash (Redis does; memory does not).
 * - **Order** is first-in first-out among due entries, but retries and reclaims reorder; receivers
 *   must not rely on order.
 */
export interface OfflinePushQueue {
  /** Adds an event; `false` when the queue is full and the event was dropped. */
  enqueue(event: OfflinePushEvent): Promise<boolean>;
  /** Leases up to `max` due entries to the caller; an empty array when none is due. Never blocks. */
  take(max: number): Promise<QueuedPush[]>;
  /** Delivered (or dropped on purpose): forget the entry. */
  ack(entry: QueuedPush): Promise<void>;
  /** Hands the entry out again, as attempt `entry.attempt + 1`, once `delayMs` have passed. */
  retry(entry: QueuedPush, delayMs: number): Promise<void>;
  /** Moves the entry to the dead-letter list with the reason of its last failure. */
  deadLetter(entry: QueuedPush, error: string): Promise<void>;
  /** Up to `limit` dead letters, oldest first. The list itself is capped; the oldest go first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Entries held: waiting, leased and scheduled for retry (not dead letters). */
  depth(): Promise<number>;
}
