import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** `result` of `switchboard_offline_push_events_total`. */
export type OfflinePushEventResult = 'enqueued' | 'dropped_no_webhook' | 'dropped_queue_full';
/** `result` of `switchboard_offline_push_deliveries_total`. */
export type OfflinePushDeliveryResult = 'delivered' | 'retry' | 'dead_letter';

/**
 * The Prometheus metrics of offline push, registered on the registry the composition root passes in:
 * - `switchboard_offline_push_events_total{result}`: events enqueued, or dropped because the queue
 *   was full (counted where logic enqueues) or because the app has no webhook (counted by the worker);
 * - `switchboard_offline_push_deliveries_total{result}`: settled webhook attempts;
 * - `switchboard_offline_push_delivery_seconds`: duration of each webhook POST, whatever its result;
 * - `switchboard_offline_push_queue_depth`: entries held by the queue (waiting, in flight, scheduled
 *   for retry), read from the queue when scraped.
 *
 * One instance per registry: the producer side and the worker of one process share it.
 */
export class OfflinePushMetrics {
  readonly events: Counter<'result'>;
  readonly deliveries: Counter<'result'>;
  readonly deliverySeconds: Histogram;

  /** `depth` is the queue's `depth()`; without it the gauge is not registered. */
  constructor(registry: Registry, depth?: () => Promise<number>) {
    this.events = new Counter({
      name: 'switchboard_offline_push_events_total',
      help: 'Offline-push events by result: enqueued, dropped_no_webhook, dropped_queue_full.',
      labelNames: ['result'],
      registers: [registry],
    });
    for (const result of ['enqueued', 'dropped_no_webhook', 'dropped_queue_full'] as const) {
      this.events.inc({ result }, 0);
    }
    this.deliveries = new Counter({
      name: 'switchboard_offline_push_deliveries_total',
      help: 'Webhook delivery attempts by result: delivered, retry (scheduled again), dead_letter.',
      labelNames: ['result'],
      registers: [registry],
    });
    for (const result of ['delivered', 'retry', 'dead_letter'] as const) this.deliveries.inc({ result }, 0);
    this.deliverySeconds = new Histogram({
      name: 'switchboard_offline_push_delivery_seconds',
      help: 'Duration of one webhook POST, including failed and timed-out ones.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    if (depth !== undefined) {
      new Gauge({
        name: 'switchboard_offline_push_queue_depth',
        help: 'Offline-push events held by the queue: waiting, in flight and scheduled for retry.',
        registers: [registry],
        async collect() {
          // A queue that cannot answer (Redis down) keeps the last value rather than failing the scrape.
          try {
            this.set(await depth());
          } catch {
            // The worker logs queue errors; nothing to add here.
          }
        },
      });
    }
  }

  countEvent(result: OfflinePushEventResult): void {
    this.events.inc({ result });
  }

  countDelivery(result: OfflinePushDeliveryResult): void {
    this.deliveries.inc({ result });
  }
}
