// Prometheus text exposition and the /healthz + /metrics HTTP endpoints shared by every service.
export { renderMetrics, type MetricFamily, type MetricSample } from './render-metrics.js';
export { Counters } from './counters.js';
export { serveHealth, startHealthServer, type HealthServer, type HealthSource } from './health-server.js';
