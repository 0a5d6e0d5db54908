import { LogSummary, type Logger } from '@switchboard/log';
import { type OfflineMessage, type OfflinePushEvent, offlinePushEventOf } from './offline-push-event.js';
import { type OfflinePushMetrics } from './offline-push-metrics.js';
import { type OfflinePushQueue } from './offline-push-queue.js';

/** Options of {@link OfflinePushEmitter}. */
export interface OfflinePushEmitterOptions {
  readonly queue: OfflinePushQueue;
  readonly metrics: OfflinePushMetrics;
  readonly log: Logger;
  /** `OfflinePushConfig.previewChars`. */
  readonly previewChars: number;
}

/**
 * The producer side, for logic: turns a message that found its recipient offline into an event and
 * enqueues it. Backpressure policy: when the queue is full the event is dropped, counted as
 * `dropped_queue_full` and logged (summarised); sending the message itself never waits or fails
 * because of offline push.
 */
export class OfflinePushEmitter {
  readonly #queue: OfflinePushQueue;
  readonly #metrics: OfflinePushMetrics;
  readonly #previewChars: number;
  readonly #full: LogSummary;

  constructor(options: OfflinePushEmitterOptions) {
    this.#queue = options.queue;
    this.#metrics = options.metrics;
    this.#previewChars = options.previewChars;
    this.#full = new LogSummary(
      options.log.child({ component: 'offline-push' }),
      'offline push dropped: queue full',
    );
  }

  /**
   * Enqueues the event of `message`; resolves with it, or `undefined` when the queue was full.
   * Rejects when the queue itself fails (Redis unreachable): the caller logs that and carries on.
   */
  async emit(message: OfflineMessage): Promise<OfflinePushEvent | undefined> {
    const event = offlinePushEventOf(message, this.#previewChars);
    if (await this.#queue.enqueue(event)) {
      this.#metrics.countEvent('enqueued');
      return event;
    }
    this.#metrics.countEvent('dropped_queue_full');
    this.#full.add({ appId: event.appId, eventId: event.id });
    return undefined;
  }
}
