// Prometheus metrics (prom-client), readiness, and the /healthz, /readyz and /metrics HTTP
// endpoints shared by every service.
export { Counters } from './counters.js';
export {
  serviceRegistry,
  mergeRegistries,
  grpcServerLatency,
  storeLatency,
  LATENCY_BUCKETS,
  type LatencyObserver,
} from './service-metrics.js';
export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export {
  requestPath,
  serveHealth,
  startHealthServer,
  type HealthServer,
  type HealthSource,
} from './health-server.js';
export { Readiness, type ReadinessLogger, type ReadinessOptions, type UpstreamCheck } from './readiness.js';
