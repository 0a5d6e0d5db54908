import {
  buildApps,
  CLUSTER_DEFAULTS,
  clusterApps,
  startCluster,
  type Cluster,
  type ClusterOptions,
} from '@switchboard/testing';

export const CLUSTER_USAGE = `  switchboard cluster [--ws 2] [--tcp 1] [--logic 2] [--route 2]
      [--mysql-uri mysql://root@127.0.0.1:3306] [--database ${new URL(CLUSTER_DEFAULTS.mysqlUri).pathname.slice(1)}]
      [--redis-url ${CLUSTER_DEFAULTS.redisUrl}] [--prefix ${CLUSTER_DEFAULTS.prefix}] [--host ${CLUSTER_DEFAULTS.host}]
      [--app demo] [--log-level ${CLUSTER_DEFAULTS.logLevel}] [--wiring all|crosswise] [--compiled]
      Runs a distributed deployment as separate processes on this machine (also: npm run cluster):
      every app with the production profile, against MySQL/MariaDB and Redis, on free ports.
      Creates and migrates the database when missing, creates the app, waits until every
      service answers /readyz, prints where to connect, and stops everything on Ctrl-C.
      --wiring all (default): every gate and logic gets every upstream instance; crosswise: one each.
      --compiled: builds each app's bundle first (dist/apps/<app>/main.js, what the Docker image
      runs) and runs it with plain node instead of from source through tsx.`;

export interface ClusterFlags {
  ws?: string | undefined;
  tcp?: string | undefined;
  logic?: string | undefined;
  route?: string | undefined;
  'mysql-uri'?: string | undefined;
  database?: string | undefined;
  'redis-url'?: string | undefined;
  prefix?: string | undefined;
  host?: string | undefined;
  app?: string | undefined;
  'log-level'?: string | undefined;
  wiring?: string | undefined;
  compiled?: boolean | undefined;
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 32)
    throw new Error(`--${name}: expected a number from 0 to 32, got "${value}"`);
  return n;
}

/** Turns the flags into launcher options: `--database` replaces the database of `--mysql-uri`. */
export function clusterOptions(flags: ClusterFlags): ClusterOptions {
  const uri = new URL(flags['mysql-uri'] ?? CLUSTER_DEFAULTS.mysqlUri);
  if (flags.database) uri.pathname = `/${flags.database}`;
  else if (uri.pathname === '' || uri.pathname === '/')
    uri.pathname = new URL(CLUSTER_DEFAULTS.mysqlUri).pathname;
  const options: ClusterOptions = {
    mysqlUri: uri.toString(),
    app: { id: flags.app ?? 'demo' },
    detached: true,
    onLine: (service, line) => console.log(`[${service}] ${line}`),
  };
  for (const key of ['ws', 'tcp', 'logic', 'route'] as const) {
    const n = count(key, flags[key]);
    if (n !== undefined) options[key] = n;
  }
  if (flags['redis-url']) options.redisUrl = flags['redis-url'];
  if (flags.prefix) options.prefix = flags.prefix;
  if (flags.host) options.host = flags.host;
  if (flags['log-level']) options.logLevel = flags['log-level'];
  if (flags.wiring !== undefined) {
    if (flags.wiring !== 'all' && flags.wiring !== 'crosswise') {
      throw new Error(`--wiring: expected all or crosswise, got "${flags.wiring}"`);
    }
    options.wiring = flags.wiring;
  }
  if (flags.compiled) options.compiled = true;
  return options;
}

/**
 * `switchboard cluster`: starts the cluster and keeps it running until SIGINT or SIGTERM, then
 * stops the gates, logic and route in that order. The services run in their own process groups,
 * so a Ctrl-C reaches only this process. npm forwards the terminal's signal as well, so a repeat
 * within a second is the same request; a later one kills everything at once.
 */
export async function runCluster(flags: ClusterFlags): Promise<number> {
  const interrupted = new AbortController();
  const options = { ...clusterOptions(flags), signal: interrupted.signal };
  let cluster: Cluster | undefined = undefined;
  let firstAt = 0;
  let done: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (done = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === 0) {
      firstAt = Date.now();
      console.log(`\n${signal}: stopping the cluster (again to kill it at once)...`);
      // During start-up the launcher stops what it started and rejects; afterwards, stop in order.
      if (!cluster) return interrupted.abort();
      cluster.stop().then(
        () => {
          console.log('cluster stopped');
          done(0);
        },
        () => done(1),
      );
    } else if (Date.now() - firstAt > 1_000) {
      for (const s of cluster?.services ?? []) s.process.child.kill('SIGKILL');
      process.exit(1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(
    `starting ${options.ws ?? CLUSTER_DEFAULTS.ws} ws-conn, ${options.tcp ?? CLUSTER_DEFAULTS.tcp} tcp-conn, ` +
      `${options.logic ?? CLUSTER_DEFAULTS.logic} logic and ${options.route ?? CLUSTER_DEFAULTS.route} route ` +
      `(MySQL ${options.mysqlUri}, Redis ${options.redisUrl ?? CLUSTER_DEFAULTS.redisUrl})...`,
  );
  if (options.compiled) {
    // Built every time: a bundle left from an earlier checkout would run code other than this one.
    await buildApps(clusterApps(options), (line) => console.log(`[build] ${line}`));
    // A Ctrl-C during the build: nothing was started yet.
    if (interrupted.signal.aborted) throw new Error('start-up interrupted');
  }
  cluster = await startCluster(options);
  console.log(cluster.describe());
  // A service that dies on its own is reported; the rest keep running.
  for (const s of cluster.services) {
    void s.process.exited().then((code) => {
      if (firstAt === 0) {
        console.error(`${s.name} exited (${code ?? s.process.child.signalCode}); the rest keep running`);
      }
    });
  }
  return finished;
}
