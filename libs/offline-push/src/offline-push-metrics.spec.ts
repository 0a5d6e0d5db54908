import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OfflinePushMetrics } from './offline-push-metrics.js';

describe('OfflinePushMetrics', () => {
  it('exposes every result label from the start, at zero', async () => {
    const registry = new Registry();
    new OfflinePushMetrics(registry);
    const text = await registry.metrics();
    for (const result of ['enqueued', 'dropped_no_webhook', 'dropped_queue_full']) {
      expect(text).toContain(`switchboard_offline_push_events_total{result="${result}"} 0`);
    }
    for (const result of ['delivered', 'retry', 'dead_letter']) {
      expect(text).toContain(`switchboard_offline_push_deliveries_total{result="${result}"} 0`);
    }
  });

  it('reads the queue depth when scraped, and a failing queue does not fail the scrape', async () => {
    const registry = new Registry();
    let depth: () => Promise<number> = () => Promise.resolve(7);
    new OfflinePushMetrics(registry, () => depth());
    expect(await registry.metrics()).toContain('switchboard_offline_push_queue_depth 7');
    depth = () => Promise.reject(new Error('redis down'));
    expect(await registry.metrics()).toContain('switchboard_offline_push_queue_depth 7');
  });
});
