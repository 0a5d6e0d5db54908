import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { waitFor } from './wait-for.js';

/**
 * The checkout this code runs from: the nearest folder up with an nx.json (from source that is
 * three levels up; from a bundle in dist/apps/<app> it is three as well, but search rather than count).
 */
export function workspaceRoot(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no Switchboard checkout (nx.json) above ${from}`);
  }
}

const root = workspaceRoot();

export interface ServiceProcessOptions {
  /**
   * Start the child in its own process group, so that a Ctrl-C on the terminal reaches only the
   * parent, which then stops its children in order (the cluster launcher).
   */
  detached?: boolean;
  /** Node options before the app (`--trace-gc`, V8 flags), which NODE_OPTIONS may not carry. */
  nodeArgs?: readonly string[];
  /**
   * Run the app's bundle, `dist/apps/<app>/main.js` (what the Docker image runs), with plain node
   * instead of its source through tsx, whose loader thread and transformed sources (several MiB of
   * heap) would count in the process's memory. The bundle must have been built (`buildApps`).
   */
  compiled?: boolean;
}

/**
 * The app's bundle, where `node scripts/build-app.mjs <app>` writes it; throws, saying how to build
 * it, when it is not there.
 */
export function compiledEntry(app: string): string {
  const entry = join(root, `dist/apps/${app}/main.js`);
  if (!existsSync(entry)) {
    throw new Error(
      `${relative(root, entry)} is missing: build it with \`node scripts/build-app.mjs ${app}\` ` +
        `(or \`npm run build\` for every app)`,
    );
  }
  return entry;
}

/** One Switchboard app running as its own Node process (from source through tsx, or its bundle). */
export class ServiceProcess {
  readonly output: string[] = [];
  /** Called with every line the process prints (stdout and stderr). */
  onLine: ((line: string) => void) | undefined;
  private exit: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const push = (line: string) => {
      if (!line) return;
      this.output.push(line);
      this.onLine?.(line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      // The tail of the last chunk that did not end a line yet.
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(push);
      });
      stream?.on('end', () => push(partial));
    }
  }

  /**
   * Starts `apps/<app>/src/main.ts` (or with `compiled`, `dist/apps/<app>/main.js`) with the given
   * environment (added to this process's) and arguments. Throws when `compiled` and the bundle is
   * missing.
   */
  static start(
    app: string,
    env: Record<string, string>,
    args: string[] = [],
    options: ServiceProcessOptions = {},
  ): ServiceProcess {
    // `node --import tsx` rather than the tsx CLI: the CLI forks a second process, so a SIGKILL
    // sent to it would leave the real service running.
    const main = options.compiled
      ? [compiledEntry(app)]
      : ['--import', 'tsx', join(root, `apps/${app}/src/main.ts`)];
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...main, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    return new ServiceProcess(app, child);
  }

  /** Waits until a line of output matches (JSON log lines included). */
  async waitForLine(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      `${this.name} to print ${pattern}`,
      () => {
        if (this.child.exitCode !== null) {
          throw new Error(
            `${this.name} exited with ${this.child.exitCode}:\n${this.output.slice(-20).join('\n')}`,
          );
        }
        return this.output.find((l) => pattern.test(l));
      },
      timeoutMs,
    );
  }

  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.output) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    return out;
  }

  /** Resolves with the exit code when the process ends by itself. */
  exited(): Promise<number | null> {
    return this.exit;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exit;
  }
}
