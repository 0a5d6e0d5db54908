import { describe, expect, it } from 'vitest';
import { Counters } from './counters.js';
import { renderMetrics } from './render-metrics.js';
import { startHealthServer } from './health-server.js';

describe('health server', () => {
  it('answers /healthz by the health check and /metrics with Prometheus text', async () => {
    let healthy = true;
    const counters = new Counters('svc', { requests: 'Requests served.' }, { instance: 'a' });
    counters.add('requests', 2);
    const server = await startHealthServer('127.0.0.1', 0, {
      healthy: () => healthy,
      metrics: () => renderMetrics(counters.families()),
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    healthy = false;
    const down = await fetch(`${base}/healthz`);
    expect([down.status, await down.text()]).toEqual([503, 'unavailable\n']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('# TYPE svc_requests_total counter\nsvc_requests_total{instance="a"} 2\n');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    await server.close();
  });
});
