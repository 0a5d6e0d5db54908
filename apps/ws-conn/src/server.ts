import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Gate, launchGate, type LaunchGateOptions, serveHealth } from '@switchboard/gate';
import { requestPath } from '@switchboard/metrics';
import { WS_SUBPROTOCOL_JSON, WS_SUBPROTOCOL_PROTOBUF } from '@switchboard/protocol';
import { WebSocketServer } from 'ws';
import { GateWebSocket, WsAcceptor } from './ws-connection.js';

/** Config and logger, plus optional logic/route ports replacing the gRPC clients (tests, embedding). */
export type StartWsConnOptions = LaunchGateOptions;

export interface WsConn {
  gate: Gate;
  /** The HTTP(S) port: WebSocket upgrades on `gate.ws.path`, plus `/healthz` and `/readyz` (metrics: on `gate.health.port`). */
  wsPort: number;
  grpcPort: number;
  /** Bound `/healthz` + `/readyz` + `/metrics` port when `gate.health.enabled`. */
  healthPort: number | undefined;
  /** Stops accepting, drains the gate (DISCONNECT SERVER_SHUTDOWN, RemoveGate) and closes clients. */
  stop(): Promise<void>;
}

/**
 * Picks the subprotocol: the first one offered that we speak. No offer means `switchboard.v1`.
 * Returns our own constant, not the offered string: ws keeps the returned string on every
 * WebSocket, and the constant is one copy shared by all of them.
 */
function chooseProtocol(offered: Set<string>): string | false {
  for (const p of offered) {
    if (p === WS_SUBPROTOCOL_PROTOBUF) return WS_SUBPROTOCOL_PROTOBUF;
    if (p === WS_SUBPROTOCOL_JSON) return WS_SUBPROTOCOL_JSON;
  }
  return false;
}

// A module-level function, not a closure: a closure here would share the upgrade handler's scope
// and keep every connection's upgrade request (and its headers) alive for the connection's life.
function destroyOnError(this: Duplex): void {
  this.destroy();
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts a WebSocket gateway: the gate core, its GateService, and an HTTP(S) server for upgrades. */
export async function startWsConn(options: StartWsConnOptions): Promise<WsConn> {
  const { config } = options;
  const logger = options.logger.child({ component: 'ws-conn' });
  const gc = config.gate;
  const launched = await launchGate({ ...options, logger });
  const { gate } = launched;

  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: GateWebSocket,
    maxPayload: gc.ws.maxPayload,
    perMessageDeflate: gc.ws.perMessageDeflate,
    handleProtocols: chooseProtocol,
    clientTracking: false,
  });
  const acceptor = new WsAcceptor(gate.core);
  const allowed = new Set(gc.ws.allowedOrigins);
  const tls = gc.ws.tls;
  // A socket that opens and says nothing must not be held longer than an unsigned-in connection
  // (Node's defaults held one 66-83 s): the handshake gets the sign-in timeout, checked every second.
  const handshake = {
    headersTimeout: gc.signInTimeoutMs,
    requestTimeout: gc.signInTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, gc.signInTimeoutMs),
  };
  const server: Server = tls.enabled
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ...handshake })
    : createHttpServer(handshake);
  // Plain HTTP on this port is a person with a browser or curl: say where and how to connect.
  const about =
    `This is a Switchboard WebSocket gate: connect to ${gc.ws.path} with a WebSocket client, ` +
    `subprotocol ${WS_SUBPROTOCOL_PROTOBUF} (protobuf) or ${WS_SUBPROTOCOL_JSON} (Packet JSON); docs/protocol.md, section 1.\n`;
  server.on('request', (req, res) => {
    if (serveHealth(gate, launched.readiness, req, res)) return;
    const upgrade = requestPath(req) === gc.ws.path;
    res
      .writeHead(upgrade ? 426 : 404, {
        'content-type': 'text/plain; charset=utf-8',
        ...(upgrade ? { upgrade: 'websocket', connection: 'Upgrade' } : {}),
      })
      .end(upgrade ? about : `Not found. ${about}`);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', destroyOnError);
    if (gate.core.isDraining) return reject(socket, 503, 'Service Unavailable');
    if (requestPath(req) !== gc.ws.path) return reject(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (allowed.size > 0 && (origin === undefined || !allowed.has(origin))) {
      logger.warn({ origin, remote: req.socket.remoteAddress }, 'websocket origin not allowed');
      return reject(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // From here ws's own 'error' listener destroys the socket. Keeping ours as well would turn
      // the socket's 'error' listeners into an array: 64 bytes per open connection.
      socket.off('error', destroyOnError);
      acceptor.accept(ws, req.socket);
    });
  });
  server.on('error', (err) => logger.error({ err }, 'ws listener error'));
  const wsPort = await new Promise<number>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(gc.ws.port, gc.host, () => {
      server.off('error', rejectListen);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const ready = launched.readiness.ready;
  logger.info(
    {
      wsPort,
      path: gc.ws.path,
      tls: tls.enabled,
      grpcPort: gate.grpcPort,
      healthPort: launched.healthPort,
      ready,
    },
    ready
      ? 'ws-conn listening'
      : 'ws-conn listening, but NOT READY: an upstream is unreachable (see /readyz)',
  );

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await launched.stop();
    server.closeAllConnections();
    await closed;
    wss.close();
  };
  return {
    gate,
    wsPort,
    grpcPort: gate.grpcPort,
    healthPort: launched.healthPort,
    stop: () => (stopped ??= stop()),
  };
}
