import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type Gate, launchGate, type LaunchGateOptions } from '@switchboard/gate';
import { TcpAcceptor } from './tcp-connection.js';

/** Config and logger, plus optional logic/route ports replacing the gRPC clients (tests, embedding). */
export type StartTcpConnOptions = LaunchGateOptions;

export interface TcpConn {
  gate: Gate;
  tcpPort: number;
  grpcPort: number;
  /** Bound `/healthz` + `/metrics` port when `gate.health.enabled`.*/
  healthPort: number | undefined;
  /** Stops accepting, drains the gate (DISCONNECT SERVER_SHUTDOWN, RemoveGate) and closes clients. */
  stop(): Promise<void>;
}

/** Starts a TCP gateway: the gate core, its GateService, and a (TLS) listener for LV-framed clients. */
export async function startTcpConn(options: StartTcpConnOptions): Promise<TcpConn> {
  const { config } = options;
  const logger = options.logger.child({ component: 'tcp-conn' });
  const gc = config.gate;
  const launched = await launchGate({ ...options, logger });
  const { gate } = launched;

  const acceptor = new TcpAcceptor(gate.core, gc.maxFrameBytes);
  const onConnection = (socket: Socket) => {
    if (gate.core.isDraining) {
      socket.destroy();
      return;
    }
    acceptor.accept(socket);
  };
  const tls = gc.tcp.tls;
  const server: Server = tls.enabled
    ? createTlsServer(
        { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), allowHalfOpen: true },
        onConnection,
      )
    : createNetServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  server.on('error', (err) => logger.error({ err }, 'tcp listener error'));
  // With TLS, the raw sockets, including handshakes that never completed (the gate never saw
  // those), so that stopping cannot wait on a client that connected and went quiet. Without TLS
  // every accepted socket is the gate's at once, and its drain closes (or destroys) them all: no
  // set entry and second 'close' listener per connection.
  const sockets = new Set<Socket>();
  // One listener for every socket (it finds its socket as `this`), not a closure per connection.
  function forget(this: Socket): void {
    sockets.delete(this);
  }
  if (tls.enabled) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', forget);
    });
  }
  const tcpPort = await listen(server, gc.host, gc.tcp.port);

  const healthPort = launched.healthPort;
  const ready = launched.readiness.ready;
  logger.info(
    { tcpPort, tls: tls.enabled, grpcPort: gate.grpcPort, healthPort, ready },
    ready
      ? 'tcp-conn listening'
      : 'tcp-conn listening, but NOT READY: an upstream is unreachable (see /readyz)',
  );

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await launched.stop();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    gate,
    tcpPort,
    grpcPort: gate.grpcPort,
    healthPort,
    stop: () => (stopped ??= stop()),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
