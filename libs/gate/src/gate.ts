import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode } from '@switchboard/proto/client';
import { GateServiceService } from '@switchboard/proto/conn';
import type { Logger } from '@switchboard/log';
import {
  registerStreamMetrics,
  serveInternal,
  type InProcessServices,
  type InternalServer,
  type InternalTls,
} from '@switchboard/rpc';
import type { Clock } from './clock.js';
import { Fanout } from './fanout.js';
import { logDetailOf } from './error-of.js';
import { GateCore } from './gate-core.js';
import { gateServiceImplementation } from './gate-service.js';
import { LeaseKeeper } from './lease.js';
import { rebindSessions } from './rebind.js';
import { grpcServerLatency, serviceRegistry, type Registry } from '@switchboard/metrics';
import type { GateRoutePort, LogicPort } from './ports.js';
import type { GateSettings } from './settings.js';
import { gateStats, registerGateMetrics, type GateStats } from './stats.js';

/** Options of {@link createGate}. `GateConfig` from @switchboard/config provides the settings. */
export interface CreateGateOptions {
  /** Gate id; empty or undefined generates one from the host name and random bytes. */
  id?: string;
  settings: GateSettings & {
    leaseTtlMs: number;
    leaseRenewMs: number;
    /** On drain, how long closing connections get to flush before they are destroyed. */
    drainTimeoutMs: number;
  };
  /**
   * Interface and port of the internal GateService (port 0 picks a free one), `internal.secret`
   * that route's calls must carry, and mutual TLS (`internal.tls`, plaintext when undefined).
   */
  grpc: {
    host: string;
    port: number;
    advertiseAddress?: string;
    secret: string;
    tls?: InternalTls | undefined;
    /** `internal.streams.maxAgeSeconds` in ms (default 5 min). */
    streamMaxAgeMs?: number | undefined;
  };
  logic: LogicPort;
  route: GateRoutePort;
  /**
   * Serve GateService here (under the gate id, advertised as `in-process:<id>` in the lease)
   * instead of on `grpc.port`: the embedded suite, whose route calls it without gRPC.
   */
  inProcess?: InProcessServices | undefined;
  logger: Logger;
  clock?: Clock;
  /** Resolution of the timeout wheel in ms (default 1000). */
  wheelTickMs?: number;
  /** Registers metrics of what was built around the gate (its upstream ports) in its registry. */
  registerMetrics?: (registry: Registry, labels: { gate: string }) => void;
}

/**
 * A gateway instance: the core plus its GateService, lease, and timeout ticker. Transports are
 * attached by the app (`gate.core.open(transport)`).
 */
export interface Gate {
  readonly id: string;
  readonly core: GateCore;
  readonly fanout: Fanout;
  /** Bound GateService port (0 when served in process); valid after {@link start}. */
  readonly grpcPort: number;
  /** Serves GateService, registers the lease and starts the timeout ticker. */
  start(): Promise<void>;
  /**
   * Graceful stop: DISCONNECT SERVER_SHUTDOWN to every connection, flush (bounded by
   * drainTimeoutMs), RemoveGate at route, stop the lease and the gRPC server. The app stops its
   * listeners first so that no connection arrives meanwhile. Idempotent.
   */
  drain(): Promise<void>;
  stats(): GateStats;
  /** True while route holds this gate's lease (the latest renewal succeeded). */
  leaseHeld(): boolean;
  /** Prometheus text of this gate's metrics (and the process's). */
  metricsText(): Promise<string>;
}

export function createGate(options: CreateGateOptions): Gate {
  const id = options.id || `gate-${hostname()}-${randomBytes(4).toString('hex')}`;
  const logger = options.logger.child({ gate: id });
  const core = new GateCore({
    gateId: id,
    settings: options.settings,
    logic: options.logic,
    route: options.route,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.wheelTickMs ? { wheelTickMs: options.wheelTickMs } : {}),
  });
  const fanout = new Fanout(core);
  const metrics = serviceRegistry();
  registerGateMetrics(core, metrics);
  registerStreamMetrics(metrics);
  options.registerMetrics?.(metrics, { gate: id });
  const tickMs = options.wheelTickMs ?? 1000;
  let server: InternalServer | undefined;
  let lease: LeaseKeeper | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let drained: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    logger.info({ connections: core.registry.size }, 'gate draining');
    core.shutdown(ErrorCode.ERROR_CODE_SERVER_SHUTDOWN, 'server shutting down; reconnect');
    await core.waitForClosed(options.settings.drainTimeoutMs);
    if (ticker) clearInterval(ticker);
    lease?.stop();
    await options.route.removeGate({ gateId: id }).catch((err: unknown) => {
      logger.warn({ err: logDetailOf(err) }, 'route RemoveGate failed');
    });
    await server?.stop(1_000);
    logger.info('gate stopped');
  };

  return {
    id,
    core,
    fanout,
    get grpcPort() {
      return server?.port ?? 0;
    },
    async start() {
      server = await serveInternal(
        options.grpc.host,
        options.grpc.port,
        {
          definition: GateServiceService,
          implementation: gateServiceImplementation(fanout, () => gateStats(core), logger),
        },
        {
          secret: options.grpc.secret,
          tls: options.grpc.tls,
          observe: grpcServerLatency(metrics),
          streamMaxAgeMs: options.grpc.streamMaxAgeMs,
          inProcess: options.inProcess && { services: options.inProcess, name: id },
        },
      );
      const grpcAddress = (!options.inProcess && options.grpc.advertiseAddress) || server.address;
      lease = new LeaseKeeper({
        gateId: id,
        bootId: core.bootId,
        grpcAddress,
        ttlMs: options.settings.leaseTtlMs,
        renewMs: options.settings.leaseRenewMs,
        route: options.route,
        logger,
        onRegistered: () => rebindSessions(core),
      });
      const keeper = lease;
      core.renewLeaseNow = () => keeper.renewNow();
      await lease.start();
      ticker = setInterval(() => core.tick(), tickMs);
      ticker.unref();
      logger.info({ grpcAddress, bootId: core.bootId }, 'gate started');
    },
    drain: () => (drained ??= drain()),
    stats: () => gateStats(core),
    leaseHeld: () => lease?.held ?? false,
    metricsText: () => metrics.metrics(),
  };
}
