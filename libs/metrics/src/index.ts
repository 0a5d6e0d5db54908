// Prometheus text exposition, readiness, and the /healthz, /readyz and /metrics HTTP endpoints shared by every service.
export { renderMetrics, type MetricFamily, type MetricSample } from './render-metrics.js';
export { Counters } from './counters.js';
export { serveHealth, startHealthServer, type HealthServer, type HealthSource } from './health-server.js';
export { Readiness, type ReadinessLogger, type ReadinessOptions, type UpstreamCheck } from './readiness.js';
