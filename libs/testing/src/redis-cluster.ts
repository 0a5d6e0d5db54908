import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';

/** Options of `RedisCluster.start`. */
export interface RedisClusterOptions {
  /** Number of masters, each owning a share of the 16384 slots; no replicas. Default 3 (the minimum). */
  readonly masters?: number;
  /** How long to wait for the nodes to listen and the cluster to report `cluster_state:ok`. Default 20 s. */
  readonly startTimeoutMs?: number;
}

/** Where one node of the cluster listens. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

interface RunningNode extends RedisClusterNode {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly output: string[];
}

/**
 * A throw-away Redis Cluster for integration tests: `masters` `redis-server` child processes on free
 * ports, their state in a fresh temp dir, joined with `redis-cli --cluster create`.
 *
 * Contract: `start` resolves only once every node reports `cluster_state:ok`, so every slot is served
 * and any client can be pointed at `nodes`. It rejects (having stopped whatever it started) when
 * `redis-server` or `redis-cli` is missing, a node dies, or the cluster is not ok in time: a missing
 * binary is a failure, never a skip. `stop` kills every node and deletes the temp dir; it is idempotent,
 * and the nodes are also killed if this process exits without calling it.
 */
export class RedisCluster {
  readonly #running: RunningNode[] = [];
  #stopped = false;
  readonly #killOnExit = () => {
    for (const node of this.#running) node.child.kill('SIGKILL');
  };

  private constructor(readonly dir: string) {
    // A test run that dies without reaching its afterAll must not leave servers behind.
    process.once('exit', this.#killOnExit);
  }

  /** Seed addresses for a cluster client (every master). */
  get nodes(): RedisClusterNode[] {
    return this.#running.map(({ host, port }) => ({ host, port }));
  }

  /**
   * Starts the nodes, creates the cluster and waits until it is ok everywhere. A busy machine can
   * make one attempt fail (a free port taken before redis-server binds it, a slow join), so it tries
   * up to three times with fresh ports before giving up with the last error.
   */
  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        return await RedisCluster.#startOnce(options);
      } catch (err) {
        lastError = err;
        if (err instanceof Error && /not installed/.test(err.message)) break;
      }
    }
    throw lastError;
  }

  static async #startOnce(options: RedisClusterOptions): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const timeoutMs = options.startTimeoutMs ?? 20_000;
    await redisCli(['--version']);
    const dir = await mkdtemp(join(tmpdir(), 'sb-redis-cluster-'));
    const cluster = new RedisCluster(dir);
    try {
      for (let i = 0; i < masters; i++) cluster.#running.push(await startNode(dir));
      await Promise.all(cluster.#running.map((node) => cluster.#waitForNode(node, timeoutMs)));
      await redisCli(
        [
          '--cluster',
          'create',
          ...cluster.#running.map((n) => `${n.host}:${n.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        // Creating waits for the nodes to agree, polling once a second: slow on a loaded machine.
        60_000,
      );
      await Promise.all(
        cluster.#running.map((node) =>
          cluster.#waitForNode(node, timeoutMs, async () =>
            (await redisCli(['-h', node.host, '-p', String(node.port), 'cluster', 'info'])).includes(
              'cluster_state:ok',
            ),
          ),
        ),
      );
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** Kills every node and removes the temp dir. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const node of this.#running) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
    }
    await Promise.all(this.#running.map((node) => node.exited));
    process.removeListener('exit', this.#killOnExit);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Polls `ready` (default: the node answers PING) and fails at once, with its output, if the node died. */
  async #waitForNode(
    node: RunningNode,
    timeoutMs: number,
    ready: () => Promise<boolean> = async () =>
      (await redisCli(['-h', node.host, '-p', String(node.port), 'ping'])).trim() === 'PONG',
  ): Promise<void> {
    let died: Error | undefined;
    await waitFor(
      `redis-server on port ${node.port}`,
      async () => {
        if (node.child.exitCode !== null || node.child.signalCode !== null) {
          died = new Error(
            `redis-server on port ${node.port} exited (${node.child.exitCode ?? node.child.signalCode}):\n` +
              node.output.slice(-20).join('\n'),
          );
          return true;
        }
        return ready();
      },
      timeoutMs,
    );
    if (died !== undefined) throw died;
  }
}

/** Spawns one cluster-enabled node with nothing persisted; resolves once the process has spawned. */
async function startNode(dir: string): Promise<RunningNode> {
  // The bus port is chosen too: the default (port + 10000) overflows for ephemeral ports above 55535.
  const port = await freePort();
  const busPort = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(missingBinary('redis-server', err)));
  });
  return { host: HOST, port, child, exited, output };
}

async function redisCli(args: string[], timeoutMs = 10_000): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', args, { timeout: timeoutMs });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; killed?: boolean };
    if (e.stdout !== undefined || e.stderr !== undefined) {
      const why = e.killed ? `timed out after ${timeoutMs} ms` : 'failed';
      throw new Error(`redis-cli ${args.join(' ')} ${why}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    throw missingBinary('redis-cli', err);
  }
}

/** Turns ENOENT into an error that says what to install; passes any other error through. */
function missingBinary(name: string, err: unknown): unknown {
  if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT') {
    return new Error(
      `${name} is not installed or not on PATH; the Redis Cluster tests need it ` +
        `(Debian: apt-get install -y redis-server). Refusing to skip them.`,
      { cause: err },
    );
  }
  return err;
}
