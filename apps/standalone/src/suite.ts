import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '@switchboard/config';
import type { Logger } from '@switchboard/log';
import { startLogic } from '@switchboard/logic/server';
import { startRoute } from '@switchboard/route/server';
import { MemoryRouteStore } from '@switchboard/route-store';
import { InProcessServices } from '@switchboard/rpc';
import { createStorage, type Storage } from '@switchboard/storage';
import { startTcpConn } from '@switchboard/tcp-conn/server';
import { startWsConn } from '@switchboard/ws-conn/server';

export const DEMO_APP = 'demo';

export interface Suite {
  tcpUrl: string;
  wsUrl: string;
  /** The web chat (`logic.api.devChat.enabled`), to open in a browser. */
  chatUrl: string | undefined;
  /** The business API: `http://host:port/v1` and the BusinessService gRPC address. */
  api: { http: string; grpc: string };
  /** `http://host:port` answering /healthz, /readyz and /metrics, per service. */
  health: { gate?: string; wsGate?: string; route?: string; logic: string };
  sqliteFile: string;
  storage: Storage;
  stop(): Promise<void>;
}

/** Creates the `demo` app with a random secret the first time the data folder is used. */
async function ensureDemoApp(storage: Storage, log: Logger): Promise<void> {
  if (await storage.apps.get(DEMO_APP)) return;
  await storage.apps.create({
    appId: DEMO_APP,
    name: 'Demo',
    tokenSecret: randomBytes(32).toString('base64url'),
  });
  log.info({ app: DEMO_APP }, 'created the demo app with a fresh secret');
}

function withPorts(config: Config, patch: (c: Config) => void): Config {
  const copy = structuredClone(config);
  patch(copy);
  return copy;
}

/**
 * The whole suite in one process: route (memory store), logic (SQLite), and one TCP and one
 * WebSocket gate. Their internal hops (gate → logic, gate → route, logic → route, route → gate)
 * call the same gRPC handlers with the same messages, deadlines, retries and error codes as a
 * distributed deployment, but in process (InProcessServices): no internal gRPC listener, channel,
 * HTTP/2 or protobuf encoding. The business API (HTTP and gRPC) listens as in logic alone.
 */
export async function startSuite(config: Config, logger: Logger): Promise<Suite> {
  const sqliteFile = resolve(config.sqlite.file);
  // Always SQLite here, whatever the profile says: this is the embedded suite (the folder is created).
  const storage = await createStorage({ dialect: 'sqlite', file: sqliteFile });
  await storage.migrate();
  await ensureDemoApp(storage, logger);

  const inProcess = new InProcessServices();
  const stops: Array<() => Promise<void>> = [];
  try {
    const route = await startRoute({ config, logger, store: new MemoryRouteStore(), inProcess });
    stops.push(route.stop);

    const logicConfig = withPorts(config, (c) => {
      c.logic.routeAddress = route.address;
    });
    // The web chat's page connects to the WebSocket gate, which listens only after logic.
    const gate: { wsUrl?: string } = {};
    const logic = await startLogic({
      config: logicConfig,
      logger,
      storage,
      inProcess,
      devChatGateway: () => gate.wsUrl,
    });
    stops.push(logic.stop);

    // The two gates cannot share a health port: the WebSocket gate takes the next one.
    const next = (port: number) => (port === 0 ? 0 : port + 1);
    const gateConfig = (id: string, healthPort: number) =>
      withPorts(config, (c) => {
        c.gate.id = c.gate.id ? `${c.gate.id}-${id}` : id;
        c.gate.health.port = healthPort;
        c.gateClient.logicAddress = logic.address;
        c.gateClient.routeAddress = route.address;
      });
    const tcp = await startTcpConn({ config: gateConfig('tcp', config.gate.health.port), logger, inProcess });
    stops.push(tcp.stop);
    const ws = await startWsConn({
      config: gateConfig('ws', next(config.gate.health.port)),
      logger,
      inProcess,
    });
    stops.push(ws.stop);
    const wsUrl = `ws://${config.gate.host}:${ws.wsPort}${config.gate.ws.path}`;
    gate.wsUrl = wsUrl;

    return {
      tcpUrl: `tcp://${config.gate.host}:${tcp.tcpPort}`,
      wsUrl,
      chatUrl: config.logic.api.devChat.enabled
        ? `http://${config.logic.api.host}:${logic.api.httpPort}/chat/`
        : undefined,
      api: {
        http: `http://${config.logic.api.host}:${logic.api.httpPort}/v1`,
        grpc: `${config.logic.api.host}:${logic.api.grpcPort}`,
      },
      health: {
        ...(tcp.healthPort ? { gate: `http://${config.gate.host}:${tcp.healthPort}` } : {}),
        ...(ws.healthPort ? { wsGate: `http://${config.gate.host}:${ws.healthPort}` } : {}),
        ...(route.healthPort ? { route: `http://${config.route.host}:${route.healthPort}` } : {}),
        logic: `http://${config.logic.host}:${logic.httpPort}`,
      },
      sqliteFile,
      storage,
      stop: async () => {
        // Gates first (they drain clients and unbind), then logic, then route, then the database.
        for (const stop of stops.reverse()) await stop();
        await storage.close();
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await storage.close();
    throw err;
  }
}
