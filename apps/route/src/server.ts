import type { Config } from '@switchboard/config';
import type { Logger } from '@switchboard/log';
import {
  mergeRegistries,
  Readiness,
  serviceRegistry,
  startHealthServer,
  storeLatency,
  type HealthServer,
} from '@switchboard/metrics';
import { RouteServiceService } from '@switchboard/proto/route';
import type { RouteStore } from '@switchboard/route-store';
import {
  readInternalTls,
  registerStreamMetrics,
  serveInternal,
  type InProcessServices,
} from '@switchboard/rpc';
import { GatePool } from './gate-pool.js';
import { routeHandlers } from './grpc-handlers.js';
import { LeaseExpiry } from './lease-expiry.js';
import { routeGrpcObserver } from './route-metrics.js';
import { RouteService } from './route-service.js';
import { createRouteStore } from './store-factory.js';

export interface RunningRoute {
  /** 0 when served in process. */
  grpcPort: number;
  /** Where gates and logic reach RouteService: `host:port`, or `in-process:route`. */
  address: string;
  /** Bound `/healthz` + `/metrics` port when `route.health.enabled`. */
  healthPort: number | undefined;
  service: RouteService;
  stop(): Promise<void>;
}

export interface StartRouteOptions {
  config: Config;
  logger: Logger;
  /** A store built by the caller (tests, standalone); otherwise one is built from config. */
  store?: RouteStore;
  /** How often expired gate leases are cleaned up; default `route.expireEveryMs`. */
  expireEveryMs?: number;
  /**
   * Serve RouteService here instead of on a gRPC listener, and call gates that serve GateService
   * here without gRPC (the embedded suite).
   */
  inProcess?: InProcessServices;
}

/** Builds and starts the route service; stop() shuts it down in reverse order. */
export async function startRoute(options: StartRouteOptions): Promise<RunningRoute> {
  const { config } = options;
  const log = options.logger.child({ component: 'route' });
  const registry = serviceRegistry();
  registerStreamMetrics(registry);
  const tls = readInternalTls(config.internal.tls);
  const owned = options.store
    ? { store: options.store, describe: 'injected store', ping: async () => {}, close: async () => {} }
    : createRouteStore(config, storeLatency(registry, 'redis'));
  const gates = new GatePool(
    owned.store,
    { secret: config.internal.secret, tls, streams: config.internal.streams },
    { inProcess: options.inProcess },
  );
  const service = new RouteService(owned.store, gates, log, config.route.gateCallTimeoutMs);
  const registration = {
    definition: RouteServiceService,
    implementation: { ...routeHandlers(service, log) },
  };
  const server = await serveInternal(config.route.host, config.route.grpcPort, registration, {
    secret: config.internal.secret,
    tls,
    observe: routeGrpcObserver(registry),
    streamMaxAgeMs: config.internal.streams.maxAgeSeconds * 1000,
    inProcess: options.inProcess && { services: options.inProcess, name: 'route' },
  });
  const metrics = mergeRegistries([registry, service.counters.registry]);

  const expiry = new LeaseExpiry({
    store: owned.store,
    gates,
    counters: service.counters,
    log,
    everyMs: options.expireEveryMs ?? config.route.expireEveryMs,
  });
  expiry.start();

  // Ready while the store answers; an unreachable store is logged at error level (see Readiness).
  const readiness = new Readiness({ checks: [{ name: owned.describe, check: owned.ping }], logger: log });
  await readiness.start();

  let stopping = false;
  let health: HealthServer | undefined;
  if (config.route.health.enabled) {
    health = await startHealthServer(config.route.host, config.route.health.port, {
      healthy: () => !stopping,
      readiness,
      metrics: () => metrics.metrics(),
    });
  }

  log.info(
    {
      grpcPort: server.port,
      healthPort: health?.port,
      store: owned.describe,
      ready: readiness.ready,
    },
    readiness.ready ? 'route started' : 'route started, but NOT READY: its store is unreachable',
  );
  return {
    grpcPort: server.port,
    address: server.address,
    healthPort: health?.port,
    service,
    stop: async () => {
      stopping = true;
      readiness.stop();
      expiry.stop();
      await server.stop();
      gates.close();
      await owned.close();
      await health?.close();
      log.info('route stopped');
    },
  };
}
