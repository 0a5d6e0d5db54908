// The Switchboard deployment a group benchmark runs against: the local cluster (startCluster:
// gates, logic and route as processes, on a scratch MariaDB database and a Redis key prefix of its
// own; from source through tsx, or with `compiled` from the bundles the Docker image runs) or, with
// --embedded, the embedded suite (apps/standalone: SQLite, memory route store) in a child process.
// Either way an app and an API key are made for the run, and the processes that serve are named, so
// that their CPU can be read from /proc.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createScratchMysqlDatabase, createStorage } from '@switchboard/storage';
import { buildApps, clusterApps, deleteRedisKeys, startCluster } from '@switchboard/testing';
import { Child, liveChildren, type ChildOptions } from '../fanout/child.js';
import {
  findPid,
  mysqlServerPid,
  processCpuSeconds,
  processWrittenBytes,
  type WrittenBytes,
} from '../fanout/proc-stats.js';
import type { EmbeddedReport } from './ipc.js';
import { GcPauses } from '../shared/gc-pauses.js';

/** Environment every Switchboard process of a benchmark gets. */
export const BENCH_ENV = {
  SWITCHBOARD_LOG__LEVEL: 'warn',
  // Benchmark clients are quiet between phases; keep them well clear of the heartbeat timeout.
  SWITCHBOARD_GATE__HEARTBEAT_TIMEOUT_MS: '600000',
};

/** A process that serves clients; `store` marks MariaDB and Redis, which other jobs may share. */
export interface ServingProcess {
  name: string;
  pid: number;
  store: boolean;
  /** Its Prometheus /metrics (cluster services only). */
  metricsUrl?: string;
}

export interface Target {
  /** One line for the report: what ran. */
  readonly description: string;
  /** Gate URLs (`tcp://` or `ws://`), clients spread over them in turn. */
  readonly gateUrls: readonly string[];
  /** `http://host:port/v1` of the business API. */
  readonly api: string;
  readonly apiKey: string;
  readonly appId: string;
  /** The app's token secret (HS256), for minting client tokens. */
  readonly secret: string;
  readonly processes: readonly ServingProcess[];
  /** Lines at warn level or worse the services printed (at most the first 20). */
  readonly warnings: string[];
  stop(): Promise<void>;
}

export interface ClusterTargetOptions {
  ws: number;
  tcp: number;
  /** MariaDB/MySQL server URI (no database): the run's database is made there and dropped after. */
  mysqlServer: string;
  redisUrl: string;
  env?: Record<string, string>;
  /** Every line a service prints, as well as the warnings the target collects. */
  onLine?: (service: string, line: string) => void;
  /** Trace the services' garbage collections into this. */
  gcPauses?: GcPauses;
  /** Node and V8 options of every service process (`--single-threaded-gc`). */
  nodeArgs?: readonly string[];
  /**
   * Build the apps (`scripts/build-app.mjs`, as the Docker image is built) and run the services
   * from dist/apps with plain node, not from source through tsx, whose loader thread and
   * transformed sources add to every service's memory (docs/benchmarks.md, "From source or
   * compiled").
   */
  compiled?: boolean;
}

const WARN_OR_WORSE = /"level":(?:"(?:warn|error|fatal)"|(?:4\d|5\d|60)\b)/;

/** The shared stores, when their processes are visible on this machine. */
function stores(): ServingProcess[] {
  return [
    ['mariadb', mysqlServerPid()],
    ['redis', findPid('redis-server')],
  ].flatMap(([name, pid]) =>
    pid === undefined ? [] : [{ name: name as string, pid: pid as number, store: true }],
  );
}

/**
 * A benchmark's `--compiled`, checked against `--embedded`: the embedded target runs the suite from
 * source in a benchmark child (embedded-suite.ts makes its app and API key in process), so only the
 * cluster has bundles to run.
 */
export function compiledFlag(args: { compiled?: boolean; embedded?: boolean }): boolean {
  if (args.compiled && args.embedded)
    throw new Error('--compiled runs the cluster from dist/apps; the --embedded suite runs from source only');
  return args.compiled ?? false;
}

export async function startClusterTarget(options: ClusterTargetOptions): Promise<Target> {
  const db = await createScratchMysqlDatabase(options.mysqlServer, 'sb_groups_bench');
  const prefix = `sbgb-${randomBytes(4).toString('hex')}`;
  const appId = 'bench';
  const secret = randomBytes(32).toString('base64url');
  const warnings: string[] = [];
  if (options.compiled) await buildApps(clusterApps(options), (line) => console.log(`[build] ${line}`));
  let cluster;
  try {
    cluster = await startCluster({
      ws: options.ws,
      tcp: options.tcp,
      logic: 1,
      route: 1,
      mysqlUri: db.uri,
      redisUrl: options.redisUrl,
      prefix,
      app: { id: appId, secret },
      env: { ...BENCH_ENV, ...options.env },
      nodeArgs: [...(options.gcPauses ? GcPauses.NODE_ARGS : []), ...(options.nodeArgs ?? [])],
      compiled: options.compiled ?? false,
      onLine: (service, line) => {
        if (options.gcPauses?.observe(service, line)) return;
        options.onLine?.(service, line);
        if (WARN_OR_WORSE.test(line) && warnings.length < 20)
          warnings.push(`${service}: ${line.slice(0, 400)}`);
      },
    });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const storage = await createStorage({ dialect: 'mysql', uri: db.uri, poolSize: 1 });
  const { key } = await storage.apiKeys.create({ appId, name: 'bench' });
  await storage.close();
  const c = cluster;
  return {
    description:
      `local cluster: ${options.ws} WS + ${options.tcp} TCP gates, 1 logic, 1 route, ` +
      `${options.compiled ? 'compiled (dist/apps)' : 'from source (tsx)'}; ` +
      `MariaDB database ${db.name}, Redis prefix ${prefix}`,
    gateUrls: [...c.wsUrls, ...c.tcpUrls],
    api: c.apis[0]!.http,
    apiKey: key,
    appId,
    secret,
    processes: [
      ...c.services.map((s) => ({
        name: s.name,
        pid: s.process.child.pid!,
        store: false,
        metricsUrl: `${s.healthUrl}/metrics`,
      })),
      ...stores(),
    ],
    warnings,
    stop: async () => {
      await c.stop(10_000);
      await db.drop();
      await deleteRedisKeys(options.redisUrl, prefix);
    },
  };
}

/**
 * The embedded suite in a child process (`embedded-suite.ts`): one TCP and one WS gate; `child`
 * adds Node options and environment to that process.
 */
export async function startEmbeddedTarget(
  child: Pick<ChildOptions, 'nodeArgs' | 'env'> = {},
): Promise<Target> {
  const suite = Child.start<{ t: 'stop' }, EmbeddedReport>(
    'embedded suite',
    fileURLToPath(new URL('./embedded-suite.ts', import.meta.url)),
    [],
    child,
  );
  const r = await suite.next('ready', 120_000);
  return {
    description: 'embedded suite (apps/standalone: SQLite, memory route store; 1 TCP + 1 WS gate)',
    gateUrls: [r.wsUrl, r.tcpUrl],
    api: r.api,
    apiKey: r.apiKey,
    appId: r.appId,
    secret: r.secret,
    processes: [{ name: 'suite', pid: suite.pid, store: false }],
    warnings: [],
    stop: () => suite.stop({ t: 'stop' }, 20_000),
  };
}

/** CPU seconds used so far by the serving processes: Switchboard's own, the shared stores', and each one's. */
export function servingCpuSeconds(processes: readonly ServingProcess[]): {
  ours: number;
  stores: number;
  each: Map<string, number>;
} {
  let [ours, stores] = [0, 0];
  const each = new Map<string, number>();
  for (const p of processes) {
    const s = processCpuSeconds(p.pid) ?? 0;
    each.set(p.name, s);
    if (p.store) stores += s;
    else ours += s;
  }
  return { ours, stores, each };
}

/** What each serving process has written so far (processes whose /proc entry is unreadable left out). */
export function servingWrittenBytes(processes: readonly ServingProcess[]): Map<string, WrittenBytes> {
  const each = new Map<string, WrittenBytes>();
  for (const p of processes) {
    const written = processWrittenBytes(p.pid);
    if (written) each.set(p.name, written);
  }
  return each;
}

/**
 * KiB each process wrote per acked send between two readings, and how much of it reached the disk:
 * `suite 48.1 (disk 40.2), ws-1 0.3 (disk 0.0)`. Sockets count in the first figure only; SQLite's
 * log and checkpoints and MariaDB's redo log and pages in both.
 */
export function describeWritten(
  before: Map<string, WrittenBytes>,
  after: Map<string, WrittenBytes>,
  acked: number,
): string {
  const kib = (bytes: number) => (bytes / Math.max(1, acked) / 1024).toFixed(1);
  return [...after]
    .map(([name, w]) => {
      const b = before.get(name) ?? { calls: 0, disk: 0 };
      return `${name} ${kib(w.calls - b.calls)} (disk ${kib(w.disk - b.disk)})`;
    })
    .join(', ');
}

/** Cores each process used between two readings `seconds` apart: `logic-1 0.62, ws-1 0.20, ...`. */
export function describeCpu(
  before: Map<string, number>,
  after: Map<string, number>,
  seconds: number,
): string {
  return [...after]
    .map(([name, s]) => `${name} ${((s - (before.get(name) ?? 0)) / seconds).toFixed(2)}`)
    .join(', ');
}

/**
 * Runs a benchmark's `main`, whose result is the exit code; on an error or Ctrl-C, kills every child
 * process and stops the target that is up (its database, Redis keys and processes go with it).
 */
export async function runBenchmark(
  main: () => Promise<number>,
  target: () => Target | undefined,
): Promise<void> {
  const killChildren = () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  };
  process.on('SIGINT', () => {
    killChildren();
    void (target()?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
  try {
    process.exitCode = await main();
  } catch (err) {
    killChildren();
    await target()
      ?.stop()
      .catch(() => undefined);
    throw err;
  }
}
