import { credentials } from '@grpc/grpc-js';
import type { Config } from '@switchboard/config';
import type { Logger } from '@switchboard/log';
import { startHealthServer, type HealthServer } from '@switchboard/metrics';
import { LogicServiceClient } from '@switchboard/proto/logic';
import { RouteServiceClient } from '@switchboard/proto/route';
import { balancedChannel, RETRYABLE_LOGIC_METHODS, RETRYABLE_ROUTE_METHODS } from '@switchboard/rpc';
import { createGate, type Gate } from './gate.js';
import { grpcLogicPort, grpcRoutePort } from './grpc-ports.js';
import type { LogicPort, RoutePort } from './ports.js';

export interface LaunchGateOptions {
  config: Config;
  logger: Logger;
  /** Ports to use instead of gRPC clients built from `config.gateClient` (tests, embedding). */
  logic?: LogicPort;
  route?: RoutePort;
}

export interface LaunchedGate {
  gate: Gate;
  /** Bound `/healthz` + `/metrics` port when `gate.health.enabled`. */
  healthPort: number | undefined;
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
  let logic = options.logic;
  if (!logic) {
    const channel = balancedChannel(config.gateClient.logicAddress, { retryable: RETRYABLE_LOGIC_METHODS });
    const client = new LogicServiceClient(channel.target, credentials.createInsecure(), channel.options);
    clients.push(client);
    logic = grpcLogicPort(client, gc.upstreamTimeoutMs);
  }
  let route = options.route;
  if (!route) {
    const channel = balancedChannel(config.gateClient.routeAddress, { retryable: RETRYABLE_ROUTE_METHODS });
    const client = new RouteServiceClient(channel.target, credentials.createInsecure(), channel.options);
    clients.push(client);
    route = grpcRoutePort(client, gc.upstreamTimeoutMs);
  }
  const gate = createGate({
    id: gc.id,
    settings: gc,
    grpc: { host: gc.host, port: gc.grpcPort, advertiseAddress: gc.advertiseAddress },
    logic,
    route,
    logger,
  });
  await gate.start();
  let health: HealthServer | undefined;
  if (gc.health.enabled) {
    health = await startHealthServer(gc.host, gc.health.port, {
      healthy: () => !gate.core.isDraining,
      metrics: () => gate.metricsText(),
    });
  }
  return {
    gate,
    healthPort: health?.port,
    stop: async () => {
      await gate.drain();
      await health?.close();
      for (const client of clients) client.close();
    },
  };
}
