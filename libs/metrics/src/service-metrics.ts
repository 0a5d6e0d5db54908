import { collectDefaultMetrics, Counter, Histogram, type Metric, Registry } from 'prom-client';

/** Latency buckets in seconds, from 0.5 ms (an in-memory call) to 10 s (a stuck upstream). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Reports one finished call: its method or command, how long it took, and whether it failed. */
export type LatencyObserver = (operation: string, seconds: number, failed: boolean) => void;

// The process's default metrics, collected once per process however many services (and test
// gates) it runs: each collection installs its own observers, which are never removed. A module
// value on purpose: these metrics describe the process, which is one.
let processMetrics: Registry | undefined;

/**
 * A service's metrics registry: Node's default process metrics (CPU, memory, event-loop lag, GC,
 * handles: `process_*`, `nodejs_*`) plus whatever the service registers or merges in.
 */
export function serviceRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    if (!processMetrics) {
      processMetrics = new Registry();
      collectDefaultMetrics({ register: processMetrics });
    }
    // getMetricsAsArray returns the metric objects themselves (Registry.merge relies on it too).
    for (const metric of processMetrics.getMetricsAsArray())
      registry.registerMetric(metric as unknown as Metric);
  }
  return registry;
}

/** Merges several registries into one for `/metrics` (names must not repeat). */
export function mergeRegistries(registries: Registry[]): Registry {
  return Registry.merge(registries);
}

/**
 * gRPC server latency per method and status code: `switchboard_grpc_server_seconds{method,code}`
 * (histogram); give the observer to `startGrpcServer`.
 */
export function grpcServerLatency(
  registry: Registry,
): (method: string, seconds: number, code: string) => void {
  const histogram = new Histogram({
    name: 'switchboard_grpc_server_seconds',
    help: 'Time to answer a unary gRPC call, by method and status code.',
    labelNames: ['method', 'code'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (method, seconds, code) => histogram.observe({ method, code }, seconds);
}

/**
 * Latency and errors of calls to a store: `switchboard_<store>_seconds{operation}` (histogram)
 * and `switchboard_<store>_errors_total{operation}`; `store` is `db` (SQL statements by kind) or
 * `redis` (commands by name).
 */
export function storeLatency(registry: Registry, store: 'db' | 'redis'): LatencyObserver {
  const what = store === 'db' ? 'database statements, by kind' : 'Redis commands, by command';
  const histogram = new Histogram({
    name: `switchboard_${store}_seconds`,
    help: `Latency of ${what}.`,
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: `switchboard_${store}_errors_total`,
    help: `Failed ${what}.`,
    labelNames: ['operation'],
    registers: [registry],
  });
  return (operation, seconds, failed) => {
    histogram.observe({ operation }, seconds);
    if (failed) errors.inc({ operation });
  };
}
