import type { Config } from '@switchboard/config';
import type { Logger } from '@switchboard/log';
import {
  Histogram,
  Readiness,
  startHealthServer,
  type HealthServer,
  type Registry,
  type UpstreamCheck,
} from '@switchboard/metrics';
import { LogicServiceClient, LogicServiceService, type LogicServiceServer } from '@switchboard/proto/logic';
import { RouteServiceClient, RouteServiceService, type RouteServiceServer } from '@switchboard/proto/route';
import {
  balancedClient,
  channelReachable,
  InProcessServices,
  parseAddressList,
  readInternalTls,
  RETRYABLE_LOGIC_METHODS,
  RETRYABLE_ROUTE_METHODS,
} from '@switchboard/rpc';
import { createGate, type Gate } from './gate.js';
import { grpcGateRoutePort, grpcLogicPort } from './grpc-ports.js';
import { inProcessGateRoutePort, inProcessLogicPort } from './in-process-ports.js';
import type { GateRoutePort, LogicPort } from './ports.js';

export interface LaunchGateOptions {
  config: Config;
  logger: Logger;
  /** Ports to use instead of gRPC clients built from `config.gateClient` (tests, embedding). */
  logic?: LogicPort;
  route?: GateRoutePort;
  /**
   * Services of this process (the embedded suite): the gate serves GateService there instead of on
   * `gate.grpcPort`, and a `gateClient` address of theirs (`in-process:logic`) is called without gRPC.
   */
  inProcess?: InProcessServices;
}

export interface LaunchedGate {
  gate: Gate;
  /** Bound `/healthz` + `/readyz` + `/metrics` port when `gate.health.enabled`. */
  healthPort: number | undefined;
  /** Whether route holds the lease and logic is reachable (`/readyz`). */
  readiness: Readiness;
  /** Drains the gate, then closes the health listener and the upstream clients. */
  stop(): Promise<void>;
}

/**
 * What both gateway apps do before adding their listener: connect to logic and
 * route, start the gate (GateService, lease, timers) and its health endpoint.
 */
export async function launchGate(options: LaunchGateOptions): Promise<LaunchedGate> {
  const { config, logger } = options;
  const gc = config.gate;
  const clients: Array<{ close(): void }> = [];
  const checks: UpstreamCheck[] = [];
  const tls = readInternalTls(config.internal.tls);
  const upstream = { secret: config.internal.secret, tls, streams: config.internal.streams };
  const { inProcess } = options;
  // An in-process address is one string (`in-process:logic`), never a list.
  const local = (list: string | readonly string[]): string | undefined =>
    inProcess && typeof list === 'string' && InProcessServices.isAddress(list) ? list : undefined;
  const localLogic = local(config.gateClient.logicAddress);
  const localRoute = local(config.gateClient.routeAddress);
  let logic = options.logic;
  let sendBatchSizes: ((sends: number) => void) | undefined;
  let signInBatchSizes: ((signIns: number) => void) | undefined;
  let registerMetrics: ((registry: Registry, labels: { gate: string }) => void) | undefined;
  if (!logic && localLogic) {
    const channel = inProcess!.channel<LogicServiceServer>(localLogic, {
      retryable: RETRYABLE_LOGIC_METHODS,
    });
    logic = inProcessLogicPort(channel, gc.upstreamTimeoutMs);
    checks.push({ name: channel.address, check: async () => channel.served() });
  }
  if (!logic) {
    const client = balancedClient(LogicServiceClient, LogicServiceService, config.gateClient.logicAddress, {
      ...upstream,
      retryable: RETRYABLE_LOGIC_METHODS,
    });
    clients.push(client);
    logic = grpcLogicPort(client, gc.upstreamTimeoutMs, {
      onSendBatch: (sends) => sendBatchSizes?.(sends),
      onSignInBatch: (signIns) => signInBatchSizes?.(signIns),
    });
    registerMetrics = (registry, labels) => {
      const batchSizes = (name: string, help: string) => {
        const histogram = new Histogram({
          name,
          help,
          labelNames: ['gate'],
          buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
          registers: [registry],
        });
        return (items: number) => histogram.observe(labels, items);
      };
      sendBatchSizes = batchSizes(
        'switchboard_gate_send_batch_sends',
        'Sends per SendBatch call to logic (the SENDs the gate gathered in one tick).',
      );
      signInBatchSizes = batchSizes(
        'switchboard_gate_signin_batch_signins',
        'Sign-ins per SignInBatch call to logic (the SIGN_INs the gate gathered in one tick).',
      );
    };
    checks.push({
      name: `logic at ${parseAddressList(config.gateClient.logicAddress).join(',')}`,
      check: () => channelReachable(client),
    });
  }
  let route = options.route;
  if (!route && localRoute) {
    const channel = inProcess!.channel<RouteServiceServer>(localRoute, {
      retryable: RETRYABLE_ROUTE_METHODS,
    });
    route = inProcessGateRoutePort(channel, gc.upstreamTimeoutMs);
  }
  if (!route) {
    const client = balancedClient(RouteServiceClient, RouteServiceService, config.gateClient.routeAddress, {
      ...upstream,
      retryable: RETRYABLE_ROUTE_METHODS,
    });
    clients.push(client);
    route = grpcGateRoutePort(client, gc.upstreamTimeoutMs);
  }
  const gate = createGate({
    id: gc.id,
    settings: gc,
    grpc: {
      host: gc.host,
      port: gc.grpcPort,
      advertiseAddress: gc.advertiseAddress,
      secret: config.internal.secret,
      tls,
      streamMaxAgeMs: config.internal.streams.maxAgeSeconds * 1000,
    },
    logic,
    route,
    inProcess,
    logger,
    ...(registerMetrics ? { registerMetrics } : {}),
  });
  await gate.start();
  checks.push({
    name:
      options.route || localRoute
        ? 'route (lease)'
        : `route at ${parseAddressList(config.gateClient.routeAddress).join(',')} (lease)`,
    check: async () => {
      if (!gate.leaseHeld()) throw new Error("route has not accepted this gate's lease renewal");
    },
  });
  // Ready while logic answers and route holds the lease; an outage is logged at error level.
  const readiness = new Readiness({ checks, logger });
  await readiness.start();
  let health: HealthServer | undefined;
  if (gc.health.enabled) {
    health = await startHealthServer(gc.host, gc.health.port, {
      healthy: () => !gate.core.isDraining,
      readiness,
      metrics: () => gate.metricsText(),
    });
  }
  return {
    gate,
    healthPort: health?.port,
    readiness,
    stop: async () => {
      readiness.stop();
      await gate.drain();
      await health?.close();
      for (const client of clients) client.close();
    },
  };
}
