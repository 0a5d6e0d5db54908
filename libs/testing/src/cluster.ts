import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { createStorage, ensureMysqlDatabase } from '@switchboard/storage';
import { freePort } from './free-port.js';
import { compiledEntry, ServiceProcess } from './service-process.js';

/** The four apps of a distributed deployment. */
export type ClusterApp = 'route' | 'logic' | 'tcp-conn' | 'ws-conn';

/**
 * The apps a cluster of `ws` WebSocket and `tcp` TCP gates runs (the bundles it needs compiled); a
 * count left out is the launcher's default, as in {@link startCluster}.
 */
export function clusterApps(gates: { ws?: number | undefined; tcp?: number | undefined }): ClusterApp[] {
  return [
    'route',
    'logic',
    ...((gates.ws ?? CLUSTER_DEFAULTS.ws) ? ['ws-conn' as const] : []),
    ...((gates.tcp ?? CLUSTER_DEFAULTS.tcp) ? ['tcp-conn' as const] : []),
  ];
}

/** Options of {@link startCluster}; every one has a default that works on a plain development host. */
export interface ClusterOptions {
  /** Instances of each app (defaults: 2 ws-conn, 1 tcp-conn, 2 logic, 2 route). */
  ws?: number;
  tcp?: number;
  logic?: number;
  route?: number;
  /** The database every logic instance uses; created (and migrated) when missing. */
  mysqlUri?: string;
  redisUrl?: string;
  /** Redis key prefix, so that several clusters (and test runs) can share one Redis. */
  prefix?: string;
  /** Interface every listener binds to (default 127.0.0.1). */
  host?: string;
  /** Log level of the services (default warn: start-up problems and errors only). */
  logLevel?: string;
  /** More environment for every service (e.g. shorter gate leases in tests). */
  env?: Record<string, string>;
  /** An app (tenant) to create when missing, so that tokens can be minted at once. */
  app?: { id: string; secret?: string };
  /** How long each tier gets to become ready (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * Start the services in their own process groups: a Ctrl-C on the terminal then reaches only
   * the launcher, which stops them in order (gates first, so that they can deregister at route).
   */
  detached?: boolean;
  /** Node options for every service process (see `ServiceProcessOptions.nodeArgs`). */
  nodeArgs?: readonly string[];
  /**
   * Run every service from its bundle in dist/apps (see `ServiceProcessOptions.compiled`; build
   * them first with `buildApps`), not from source.
   */
  compiled?: boolean;
  /** Called with every line a service prints. */
  onLine?: (service: string, line: string) => void;
  /**
   * How gates and logic find their upstreams. `all` (default): every gate gets every logic and
   * route instance and every logic every route instance, as comma-separated lists (balanced, and
   * one instance may fail). `crosswise`: one each, spread so that traffic crosses instances
   * deterministically (gate n → logic n mod L and route n+1 mod R; logic n → route n mod R).
   */
  wiring?: 'all' | 'crosswise';
  /** Aborting it during start-up stops what was started and rejects (a Ctrl-C meanwhile). */
  signal?: AbortSignal;
}

/** One process of the cluster and where it listens. */
export interface ClusterService {
  /** `route-1`, `logic-2`, `ws-1`, `tcp-1`. */
  readonly name: string;
  readonly app: ClusterApp;
  /** The running process (a new one after {@link Cluster.restart}). */
  readonly process: ServiceProcess;
  /** host:port of its gRPC server. */
  readonly grpcAddress: string;
  /** `http://host:port` answering /healthz, /readyz and /metrics. */
  readonly healthUrl: string;
  /** Where clients connect (gates only): `ws://host:port/ws` or `tcp://host:port`. */
  readonly clientUrl?: string;
  /** The services it calls (by name): logic and route for a gate, route (and mysql) for logic. */
  readonly upstreams: readonly string[];
  /** Logic only: its business API, `http://host:port/v1` and the BusinessService gRPC host:port. */
  readonly api?: { readonly http: string; readonly grpc: string };
}

export interface Cluster {
  readonly services: readonly ClusterService[];
  readonly wsUrls: readonly string[];
  readonly tcpUrls: readonly string[];
  readonly routeAddresses: readonly string[];
  readonly logicAddresses: readonly string[];
  /** Each logic instance's business API (`http://host:port/v1` and gRPC host:port). */
  readonly apis: readonly { readonly http: string; readonly grpc: string }[];
  readonly mysqlUri: string;
  readonly redisUrl: string;
  readonly prefix: string;
  /** The secret of `options.app`, when one was asked for. */
  readonly appSecret: string | undefined;
  /**
   * The internal secret every service of this cluster shares (`SWITCHBOARD_INTERNAL__SECRET`),
   * made for this cluster unless `options.env` gives one. A gRPC caller must send it as
   * `sb-internal-auth` metadata (`internalClientOptions(secret)` from @switchboard/rpc).
   */
  readonly internalSecret: string;
  /** The environment shared by every service (profile, MySQL, Redis, internal secret): for the CLI against this cluster. */
  readonly env: Readonly<Record<string, string>>;
  /** What a person needs to connect and to watch the services. */
  describe(): string;
  /**
   * Stops one service — SIGKILL by default (a crash), SIGTERM for a graceful rollout — waits
   * `downMs`, then starts it again with the same settings and ports, as a supervisor would (same
   * gate id, so a restarted gate is a new process under the old name). Resolves once it answers
   * /readyz again.
   */
  restart(name: string, options?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
  /** Stops gates, then logic, then route (SIGTERM; SIGKILL after `graceMs`). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export const CLUSTER_DEFAULTS = {
  ws: 2,
  tcp: 1,
  logic: 2,
  route: 2,
  mysqlUri: 'mysql://root@127.0.0.1:3306/switchboard_cluster',
  redisUrl: 'redis://127.0.0.1:6379',
  prefix: 'sbcluster',
  host: '127.0.0.1',
  logLevel: 'warn',
} as const;

/**
 * Starts a distributed deployment as separate processes on this machine: each app from its main.ts
 * (or its bundle, `compiled`) with the production profile, against MySQL/MariaDB and Redis, on free
 * ports.
 *
 * Creates the database when missing and migrates it once, then starts route, logic and the gates
 * tier by tier, each tier only once the previous one answers `/readyz`, wired as `wiring` says.
 * Resolves once every service is ready; rejects (having stopped what it started)
 * when one exits or is not ready in time, with its `/readyz` answer and last output.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const o = { ...CLUSTER_DEFAULTS, ...options };
  for (const [key, min] of [
    ['ws', 0],
    ['tcp', 0],
    ['logic', 1],
    ['route', 1],
  ] as const) {
    if (!Number.isInteger(o[key]) || o[key] < min) throw new Error(`--${key}: expected an integer >= ${min}`);
  }
  if (o.ws + o.tcp < 1) throw new Error('a cluster needs at least one gate (--ws or --tcp)');
  // A missing bundle is said before anything is created or started.
  if (o.compiled) clusterApps(o).forEach(compiledEntry);

  // Fail fast and say which store is missing, rather than waiting for route or logic to give up.
  const mysql = new URL(o.mysqlUri);
  const redis = new URL(o.redisUrl);
  await reachable('Redis', redis.hostname, Number(redis.port || 6379), '--redis-url');
  try {
    await ensureMysqlDatabase(o.mysqlUri);
  } catch (err) {
    throw new Error(
      `MySQL at ${mysql.host}: ${err instanceof Error ? err.message : String(err)} (start it or pass --mysql-uri)`,
    );
  }
  // Migrate once here rather than racing in every logic instance (they would serialise on a lock).
  const storage = await createStorage({ dialect: 'mysql', uri: o.mysqlUri, poolSize: 1 });
  let appSecret: string | undefined;
  try {
    await storage.migrate();
    if (o.app) {
      const existing = await storage.apps.get(o.app.id);
      appSecret = existing?.tokenSecret ?? o.app.secret ?? randomBytes(32).toString('base64url');
      if (!existing) await storage.apps.create({ appId: o.app.id, name: o.app.id, tokenSecret: appSecret });
    }
  } finally {
    await storage.close();
  }

  const env: Record<string, string> = {
    SWITCHBOARD_PROFILE: 'production',
    // One secret per cluster: its services accept each other's calls and nobody else's.
    SWITCHBOARD_INTERNAL__SECRET: randomBytes(32).toString('base64url'),
    SWITCHBOARD_LOG__LEVEL: o.logLevel,
    SWITCHBOARD_MYSQL__URI: o.mysqlUri,
    SWITCHBOARD_REDIS__URL: o.redisUrl,
    SWITCHBOARD_REDIS__KEY_PREFIX: o.prefix,
    ...o.env,
  };
  const services: ClusterService[] = [];
  // Free ports, never the same one twice (the kernel may hand a just-closed port out again).
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (taken.has(port)) continue;
      taken.add(port);
      return port;
    }
  };
  const wiring = o.wiring ?? 'all';
  const addresses = (list: readonly ClusterService[]) => list.map((s) => s.grpcAddress).join(',');
  const names = (list: readonly ClusterService[]) => list.map((s) => s.name);
  const url = (port: number) => `http://${o.host}:${port}`;
  const address = (port: number) => `${o.host}:${port}`;

  /** How to start each service again (same environment and ports), by name. */
  const respawn = new Map<string, () => ServiceProcess>();
  const launch = (
    name: string,
    app: ClusterApp,
    grpcPort: number,
    healthPort: number,
    serviceEnv: Record<string, string>,
    upstreams: string[],
    clientUrl?: string,
    api?: { http: string; grpc: string },
  ): ClusterService => {
    const spawnIt = () => {
      const proc = ServiceProcess.start(app, { ...env, ...serviceEnv }, [], {
        detached: o.detached ?? false,
        ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
        compiled: o.compiled ?? false,
      });
      if (o.onLine) proc.onLine = (line) => o.onLine!(name, line);
      return proc;
    };
    respawn.set(name, spawnIt);
    const service: ClusterService & { process: ServiceProcess } = {
      name,
      app,
      process: spawnIt(),
      grpcAddress: address(grpcPort),
      healthUrl: url(healthPort),
      upstreams,
      ...(clientUrl ? { clientUrl } : {}),
      ...(api ? { api } : {}),
    };
    services.push(service);
    return service;
  };

  // Detached services are out of reach of a Ctrl-C on the terminal: if this process ends without
  // stopping them (an error, a start-up cut short), at least tell them to stop.
  const orphanGuard = () => {
    for (const s of services) if (s.process.child.exitCode === null) s.process.child.kill('SIGTERM');
  };
  if (o.detached) process.once('exit', orphanGuard);

  const stop = async (graceMs = 15_000) => {
    // Gates first (they deregister at route while draining), then logic, then route.
    for (const tier of [['ws-conn', 'tcp-conn'], ['logic'], ['route']]) {
      await Promise.all(
        services.filter((s) => tier.includes(s.app)).map((s) => stopProcess(s.process, graceMs)),
      );
    }
    process.off('exit', orphanGuard);
  };

  try {
    const routes: ClusterService[] = [];
    for (let i = 1; i <= o.route; i++) {
      const [grpc, health] = [await pick(), await pick()];
      routes.push(
        launch(
          `route-${i}`,
          'route',
          grpc,
          health,
          {
            SWITCHBOARD_ROUTE__HOST: o.host,
            SWITCHBOARD_ROUTE__GRPC_PORT: String(grpc),
            SWITCHBOARD_ROUTE__HEALTH__PORT: String(health),
          },
          [`redis ${o.redisUrl}`],
        ),
      );
    }
    await whenReady(routes, o.readyTimeoutMs, o.signal);

    const logics: ClusterService[] = [];
    for (let i = 1; i <= o.logic; i++) {
      const [grpc, http, apiHttp, apiGrpc] = [await pick(), await pick(), await pick(), await pick()];
      const upstream = wiring === 'all' ? routes : [routes[(i - 1) % routes.length]!];
      logics.push(
        launch(
          `logic-${i}`,
          'logic',
          grpc,
          http,
          {
            SWITCHBOARD_LOGIC__HOST: o.host,
            SWITCHBOARD_LOGIC__GRPC_PORT: String(grpc),
            SWITCHBOARD_LOGIC__HTTP_PORT: String(http),
            SWITCHBOARD_LOGIC__ROUTE_ADDRESS: addresses(upstream),
            SWITCHBOARD_LOGIC__API__HOST: o.host,
            SWITCHBOARD_LOGIC__API__HTTP_PORT: String(apiHttp),
            SWITCHBOARD_LOGIC__API__GRPC_PORT: String(apiGrpc),
          },
          [...names(upstream), 'mysql'],
          undefined,
          { http: `${url(apiHttp)}/v1`, grpc: address(apiGrpc) },
        ),
      );
    }
    await whenReady(logics, o.readyTimeoutMs, o.signal);

    const gates: ClusterService[] = [];
    const kinds = [
      ...Array.from({ length: o.ws }, (_, i) => ['ws-conn', `ws-${i + 1}`] as const),
      ...Array.from({ length: o.tcp }, (_, i) => ['tcp-conn', `tcp-${i + 1}`] as const),
    ];
    for (const [n, [app, name]] of kinds.entries()) {
      const [grpc, port, health] = [await pick(), await pick(), await pick()];
      // Crosswise, a gate's route is not the one its logic delivers through.
      const logic = wiring === 'all' ? logics : [logics[n % logics.length]!];
      const route = wiring === 'all' ? routes : [routes[(n + 1) % routes.length]!];
      const ws = app === 'ws-conn';
      gates.push(
        launch(
          name,
          app,
          grpc,
          health,
          {
            SWITCHBOARD_GATE__ID: name,
            SWITCHBOARD_GATE__HOST: o.host,
            SWITCHBOARD_GATE__GRPC_PORT: String(grpc),
            SWITCHBOARD_GATE__HEALTH__PORT: String(health),
            [ws ? 'SWITCHBOARD_GATE__WS__PORT' : 'SWITCHBOARD_GATE__TCP__PORT']: String(port),
            SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: addresses(logic),
            SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS: addresses(route),
          },
          [...names(logic), ...names(route)],
          ws ? `ws://${o.host}:${port}/ws` : `tcp://${o.host}:${port}`,
        ),
      );
    }
    await whenReady(gates, o.readyTimeoutMs, o.signal);
  } catch (err) {
    await stop(5_000);
    throw err;
  }

  const of = (app: ClusterApp) => services.filter((s) => s.app === app);
  let stopped: Promise<void> | undefined;
  const cluster: Cluster = {
    services,
    wsUrls: of('ws-conn').map((s) => s.clientUrl!),
    tcpUrls: of('tcp-conn').map((s) => s.clientUrl!),
    routeAddresses: of('route').map((s) => s.grpcAddress),
    logicAddresses: of('logic').map((s) => s.grpcAddress),
    apis: of('logic').map((s) => s.api!),
    mysqlUri: o.mysqlUri,
    redisUrl: o.redisUrl,
    prefix: o.prefix,
    appSecret,
    internalSecret: env['SWITCHBOARD_INTERNAL__SECRET']!,
    env,
    describe: () => describeCluster(cluster, o.app?.id),
    stop: (graceMs) => (stopped ??= stop(graceMs)),
    restart: async (name, options = {}) => {
      const service = services.find((s) => s.name === name) as
        (ClusterService & { process: ServiceProcess }) | undefined;
      const spawnIt = respawn.get(name);
      if (service === undefined || spawnIt === undefined) throw new Error(`no service named ${name}`);
      const signal = options.signal ?? 'SIGKILL';
      if (signal === 'SIGKILL') await service.process.kill('SIGKILL');
      else await stopProcess(service.process, 15_000);
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      service.process = spawnIt();
      await whenReady([service], o.readyTimeoutMs, o.signal);
    },
  };
  return cluster;
}

/** Resolves when host:port accepts a TCP connection within 2 s; rejects naming the store and flag. */
function reachable(what: string, host: string, port: number, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`${what} at ${host}:${port} is unreachable (${reason}); start it or pass ${flag}`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail('no answer within 2 s'));
    socket.once('error', (err) => fail(err.message));
  });
}

/** Resolves when every service answers 200 on /readyz; rejects when one exits or the time is up. */
async function whenReady(
  services: readonly ClusterService[],
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(services);
  const last = new Map<ClusterService, string>();
  while (pending.size > 0) {
    if (signal?.aborted) throw new Error('start-up interrupted');
    for (const s of [...pending]) {
      const { child } = s.process;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${s.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(s)}`,
        );
      }
      try {
        const res = await fetch(`${s.healthUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        const body = (await res.text()).trim();
        if (res.ok) pending.delete(s);
        else last.set(s, body.replace(/\n/g, '; '));
      } catch (err) {
        last.set(s, `health port not answering yet (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        [...pending]
          .map((s) => `${s.name} not ready after ${timeoutMs} ms: ${last.get(s) ?? '?'}\n${tail(s)}`)
          .join('\n'),
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tail(s: ClusterService, lines = 15): string {
  return s.process.output
    .slice(-lines)
    .map((l) => `  [${s.name}] ${l}`)
    .join('\n');
}

async function stopProcess(proc: ServiceProcess, graceMs: number): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const killer = setTimeout(() => void proc.kill('SIGKILL'), graceMs);
  await proc.kill('SIGTERM');
  clearTimeout(killer);
}

function describeCluster(c: Cluster, appId: string | undefined): string {
  const db = new URL(c.mysqlUri);
  const rows = c.services.map((s) => [
    s.name,
    String(s.process.child.pid ?? '?'),
    s.grpcAddress,
    s.healthUrl,
    s.upstreams.join(', '),
  ]);
  const header = ['service', 'pid', 'gRPC', 'health (/healthz /readyz /metrics)', 'calls'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}`;
  const env = `SWITCHBOARD_PROFILE=production SWITCHBOARD_MYSQL__URI=${c.mysqlUri}`;
  return [
    '',
    `Switchboard cluster is running: ${c.services.length} processes, production profile,`,
    `MySQL database ${db.pathname.slice(1)} at ${db.host}, Redis ${c.redisUrl} with key prefix "${c.prefix}".`,
    '',
    ...c.wsUrls.map((u) => `  WebSocket  ${u}   (subprotocols switchboard.v1, switchboard.v1.json)`),
    ...c.tcpUrls.map((u) => `  TCP        ${u}   (4-byte big-endian length + protobuf Packet)`),
    '',
    line(header),
    ...rows.map(line),
    '',
    ...(appId
      ? [`A token for the "${appId}" app:`, `  ${env} npx switchboard token --app ${appId} --user alice`, '']
      : []),
    "Internal gRPC (the gRPC column) takes only calls carrying this cluster's internal secret in the",
    '"sb-internal-auth" metadata; another service joins the cluster with',
    `  SWITCHBOARD_INTERNAL__SECRET=${c.internalSecret}`,
    '',
    'Stop with Ctrl-C (stops the gates, then logic, then route).',
    '',
  ].join('\n');
}
