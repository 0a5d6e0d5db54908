import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { credentials } from '@grpc/grpc-js';
import type { Config } from '@switchboard/config';
import {
  createGate,
  grpcLogicPort,
  grpcRoutePort,
  serveHealth,
  type Gate,
  type LogicPort,
  type RoutePort,
} from '@switchboard/gate';
import type { Logger } from '@switchboard/log';
import { LogicServiceClient } from '@switchboard/proto/logic';
import { RouteServiceClient } from '@switchboard/proto/route';
import { TcpTransport } from './tcp-transport.js';

/** Deadline of one call from the gate to logic or route (ms). */
const UPSTREAM_TIMEOUT_MS = 5_000;

export interface StartTcpConnOptions {
  config: Config;
  logger: Logger;
  /** Port for `/healthz` and `/metrics`; undefined serves none. */
  healthPort?: number;
  /** Ports to use instead of gRPC clients built from `config.gateClient` (tests, embedding). */
  logic?: LogicPort;
  route?: RoutePort;
}

export interface TcpConn {
  gate: Gate;
  tcpPort: number;
  grpcPort: number;
  /** Bound health port, when one was asked for. */
  healthPort: number | undefined;
  /** Stops accepting, drains the gate (DISCONNECT SERVER_SHUTDOWN, RemoveGate) and closes clients. */
  stop(): Promise<void>;
}

/** Starts a TCP gateway: the gate core, its GateService, and a (TLS) listener for LV-framed clients. */
export async function startTcpConn(options: StartTcpConnOptions): Promise<TcpConn> {
  const { config } = options;
  const logger = options.logger.child({ component: 'tcp-conn' });
  const gc = config.gate;
  const clients: { close(): void }[] = [];
  let logic = options.logic;
  let route = options.route;
  if (!logic) {
    const client = new LogicServiceClient(config.gateClient.logicAddress, credentials.createInsecure());
    clients.push(client);
    logic = grpcLogicPort(client, UPSTREAM_TIMEOUT_MS);
  }
  if (!route) {
    const client = new RouteServiceClient(config.gateClient.routeAddress, credentials.createInsecure());
    clients.push(client);
    route = grpcRoutePort(client, UPSTREAM_TIMEOUT_MS);
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

  const onConnection = (socket: Socket) => {
    if (gate.core.isDraining) {
      socket.destroy();
      return;
    }
    new TcpTransport(socket, gate.core, gc.maxFrameBytes).attach();
  };
  const tls = gc.tcp.tls;
  const server: Server = tls.enabled
    ? createTlsServer(
        { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), allowHalfOpen: true },
        onConnection,
      )
    : createNetServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  server.on('error', (err) => logger.error({ err }, 'tcp listener error'));
  const tcpPort = await listen(server, gc.host, gc.tcp.port);

  let health: HttpServer | undefined;
  let healthPort: number | undefined;
  if (options.healthPort !== undefined) {
    health = createHttpServer((req, res) => {
      if (!serveHealth(gate, req, res)) res.writeHead(404).end();
    });
    healthPort = await listen(health, gc.host, options.healthPort);
  }
  logger.info({ tcpPort, tls: tls.enabled, grpcPort: gate.grpcPort, healthPort }, 'tcp-conn listening');

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await gate.drain();
    await closed;
    if (health) await new Promise<void>((resolve) => health.close(() => resolve()));
    for (const client of clients) client.close();
  };
  return {
    gate,
    tcpPort,
    grpcPort: gate.grpcPort,
    healthPort,
    stop: () => (stopped ??= stop()),
  };
}

function listen(server: Server | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
