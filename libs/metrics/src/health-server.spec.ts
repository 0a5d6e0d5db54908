import { describe, expect, it } from 'vitest';
import { Counters } from './counters.js';
import { startHealthServer } from './health-server.js';
import { grpcServerLatency, mergeRegistries, serviceRegistry, storeLatency } from './service-metrics.js';

describe('health server and prom-client metrics', () => {
  it('answers /healthz by the health check and /metrics with Prometheus text', async () => {
    let healthy = true;
    const counters = new Counters('svc', { requests: 'Requests served.' }, { instance: 'a' });
    counters.add('requests', 2);
    const registry = mergeRegistries([serviceRegistry(), counters.registry]);
    const server = await startHealthServer('127.0.0.1', 0, {
      healthy: () => healthy,
      metrics: () => registry.metrics(),
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    healthy = false;
    const down = await fetch(`${base}/healthz`);
    expect([down.status, await down.text()]).toEqual([503, 'unavailable\n']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('# TYPE svc_requests_total counter\nsvc_requests_total{instance="a"} 2\n');
    expect(metrics).toContain('# TYPE process_cpu_seconds_total counter');
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    await server.close();
  });

  it('records gRPC and store latency histograms and store errors', async () => {
    const registry = serviceRegistry({ processMetrics: false });
    grpcServerLatency(registry)('SignIn', 0.003, 'OK');
    const db = storeLatency(registry, 'db');
    db('select', 0.002, false);
    db('insert', 0.02, true);
    const text = await registry.metrics();
    expect(text).toContain('switchboard_grpc_server_seconds_count{method="SignIn",code="OK"} 1');
    expect(text).toContain('switchboard_db_seconds_bucket{le="0.0025",operation="select"} 1');
    expect(text).toContain('switchboard_db_errors_total{operation="insert"} 1');
  });
});
