import { LogSummary, type Logger } from '@switchboard/log';
import { backoffDelay } from './backoff.js';
import { type OfflinePushConfig, resolveOfflinePushConfig } from './config.js';
import { type OfflinePushMetrics } from './offline-push-metrics.js';
import { type OfflinePushQueue, type QueuedPush } from './offline-push-queue.js';
import { loggableUrl, type PostOutcome, postWebhook, type WebhookTarget } from './webhook-post.js';

/** Finds an app's webhook; `undefined` when the app configured none. */
export type WebhookLookup = (appId: string) => Promise<WebhookTarget | undefined>;

/** Options of {@link WebhookWorker}. */
export interface WebhookWorkerOptions {
  readonly queue: OfflinePushQueue;
  readonly lookupWebhook: WebhookLookup;
  readonly metrics: OfflinePushMetrics;
  readonly log: Logger;
  /** Only the worker's fields are read (attempts, backoff, timeout, concurrency). */
  readonly config?: Partial<OfflinePushConfig>;
  /** How long the worker waits before asking an empty queue again. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** `[0, 1)`; the backoff jitter. Injectable for tests. */
  readonly random?: () => number;
  /** Milliseconds since the epoch (the signature's timestamp). Injectable for tests. */
  readonly now?: () => number;
}

/** Failure summaries kept at most (one per webhook URL); the least recently created go first. */
const MAX_SUMMARIES = 1000;

/**
 * Takes offline-push events from the queue and POSTs each to its app's webhook, signed (see
 * `postWebhook` and `verifyWebhookSignature`), with at most `concurrency` POSTs in flight.
 *
 * Per event: no webhook configured → acknowledged and counted as `dropped_no_webhook`, never retried;
 * delivered → acknowledged; a retryable failure → scheduled again after an exponential backoff with
 * jitter (or the receiver's `Retry-After`, if longer, up to `backoffMaxMs`) until `maxAttempts`, then
 * dead-lettered; a permanent failure → dead-lettered at once. Failures are logged at most once per
 * 10 s per webhook URL (a {@link LogSummary} each), without the secret or the event's preview.
 */
export class WebhookWorker {
  readonly #queue: OfflinePushQueue;
  readonly #lookup: WebhookLookup;
  readonly #metrics: OfflinePushMetrics;
  readonly #log: Logger;
  readonly #config: OfflinePushConfig;
  readonly #pollIntervalMs: number;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #failures = new Map<string, LogSummary>();
  readonly #noWebhook: LogSummary;
  readonly #queueErrors: LogSummary;
  #loop: Promise<void> | undefined;
  #running = false;
  #wake: (() => void) | undefined;

  constructor(options: WebhookWorkerOptions) {
    this.#queue = options.queue;
    this.#lookup = options.lookupWebhook;
    this.#metrics = options.metrics;
    this.#log = options.log.child({ component: 'offline-push' });
    this.#config = resolveOfflinePushConfig(options.config);
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#noWebhook = new LogSummary(this.#log, 'offline push dropped: app has no webhook', {
      level: 'warn',
    });
    this.#queueErrors = new LogSummary(this.#log, 'offline push queue error', { level: 'error' });
  }

  /** POSTs in flight right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts pulling events. Calling it on a running worker does nothing. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /**
   * Stops taking events and resolves once every POST in flight has been settled in the queue. Events
   * still waiting stay in the queue for the next worker.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#inFlight);
    for (const summary of [...this.#failures.values(), this.#noWebhook, this.#queueErrors]) summary.flush();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const free = this.#config.concurrency - this.#inFlight.size;
      if (free <= 0) {
        await Promise.race(this.#inFlight);
        continue;
      }
      let batch: QueuedPush[];
      try {
        batch = await this.#queue.take(free);
      } catch (err) {
        this.#queueErrors.add({ op: 'take', err: messageOf(err) });
        await this.#sleep();
        continue;
      }
      for (const entry of batch) {
        const delivery = this.#deliver(entry).finally(() => this.#inFlight.delete(delivery));
        this.#inFlight.add(delivery);
      }
      if (batch.length === 0) await this.#sleep();
    }
  }

  /** Delivers and settles one entry. Never rejects: a queue error leaves the entry to be reclaimed. */
  async #deliver(entry: QueuedPush): Promise<void> {
    const { event } = entry;
    try {
      let target: WebhookTarget | undefined;
      try {
        target = await this.#lookup(event.appId);
      } catch (err) {
        await this.#failed(entry, '(lookup)', {
          kind: 'retry',
          error: `webhook lookup failed: ${messageOf(err)}`,
        });
        return;
      }
      if (target === undefined) {
        await this.#queue.ack(entry);
        this.#metrics.countEvent('dropped_no_webhook');
        this.#noWebhook.add({ appId: event.appId, eventId: event.id });
        return;
      }
      const stopTimer = this.#metrics.deliverySeconds.startTimer();
      const outcome = await postWebhook(
        target,
        event,
        this.#config.timeoutMs,
        Math.floor(this.#now() / 1000),
      );
      stopTimer();
      if (outcome.kind === 'delivered') {
        await this.#queue.ack(entry);
        this.#metrics.countDelivery('delivered');
        return;
      }
      await this.#failed(entry, loggableUrl(target.url), outcome);
    } catch (err) {
      this.#queueErrors.add({ op: 'settle', appId: event.appId, eventId: event.id, err: messageOf(err) });
    }
  }

  async #failed(
    entry: QueuedPush,
    url: string,
    outcome: Exclude<PostOutcome, { kind: 'delivered' }>,
  ): Promise<void> {
    const { event, attempt } = entry;
    const retry = outcome.kind === 'retry' && attempt < this.#config.maxAttempts;
    if (retry) {
      const { backoffBaseMs, backoffMaxMs } = this.#config;
      const backoff = backoffDelay(attempt, backoffBaseMs, backoffMaxMs, this.#random);
      const delayMs = Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, backoffMaxMs));
      await this.#queue.retry(entry, delayMs);
      this.#metrics.countDelivery('retry');
    } else {
      await this.#queue.deadLetter(entry, outcome.error);
      this.#metrics.countDelivery('dead_letter');
    }
    this.#summaryFor(url).add({
      appId: event.appId,
      eventId: event.id,
      url,
      attempt,
      error: outcome.error,
      next: retry ? 'retry' : 'dead_letter',
    });
  }

  #summaryFor(url: string): LogSummary {
    let summary = this.#failures.get(url);
    if (summary === undefined) {
      if (this.#failures.size >= MAX_SUMMARIES) {
        const [oldestUrl, oldest] = this.#failures.entries().next().value!;
        oldest.flush();
        this.#failures.delete(oldestUrl);
      }
      summary = new LogSummary(this.#log, 'offline push delivery failed');
      this.#failures.set(url, summary);
    }
    return summary;
  }

  #sleep(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#pollIntervalMs);
      const wake = (): void => done();
      this.#wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
