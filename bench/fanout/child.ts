// A benchmark child process (server or load generator) run with tsx and an IPC channel, optionally
// pinned to one CPU with taskset so that the server and the load generators do not share a core.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildOptions {
  /** CPU list for `taskset -c`; undefined leaves scheduling to the kernel. */
  cpu?: string;
  /** Expose `gc()` to the child (servers, for memory probes). */
  exposeGc?: boolean;
  /** More Node options (e.g. `--inspect-port=N`), before the script. */
  nodeArgs?: readonly string[];
  /** More environment, added to this process's. */
  env?: Record<string, string>;
}

type Tagged = { t: string };
type Waiter = { resolve: (m: Tagged) => void; reject: (e: Error) => void };

/** Every child started and not yet exited, so that run.ts can stop them all on the way out. */
export const liveChildren = new Set<ChildProcess>();

/**
 * Reports of a child, by type: `next(t)` takes the oldest unread report of type `t` or waits for
 * one; types given to `on` go to their listener instead (progress lines).
 */
export class Child<Command extends Tagged, Report extends Tagged> {
  private readonly queued = new Map<string, Tagged[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly listeners = new Map<string, (m: Tagged) => void>();
  private exitError: Error | undefined;
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    liveChildren.add(proc);
    proc.on('message', (m: Tagged) => this.dispatch(m));
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        liveChildren.delete(proc);
        this.exitError = new Error(`${name} exited (code ${code}, signal ${signal})`);
        for (const list of this.waiters.values()) for (const w of list) w.reject(this.exitError);
        this.waiters.clear();
        resolve();
      });
    });
  }

  static start<C extends Tagged, R extends Tagged>(
    name: string,
    script: string,
    args: readonly string[],
    options: ChildOptions = {},
  ): Child<C, R> {
    const nodeArgs = [
      '--import',
      'tsx',
      ...(options.exposeGc ? ['--expose-gc'] : []),
      ...(options.nodeArgs ?? []),
      script,
      ...args,
    ];
    const [command, argv] =
      options.cpu === undefined
        ? [process.execPath, nodeArgs]
        : ['taskset', ['-c', options.cpu, process.execPath, ...nodeArgs]];
    const proc = spawn(command, argv, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      serialization: 'advanced',
    });
    return new Child<C, R>(name, proc);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  send(command: Command): void {
    this.proc.send(command);
  }

  on<T extends Report['t']>(t: T, listener: (report: Extract<Report, { t: T }>) => void): void {
    this.listeners.set(t, listener as (m: Tagged) => void);
  }

  next<T extends Report['t']>(t: T, timeoutMs: number): Promise<Extract<Report, { t: T }>> {
    const queued = this.queued.get(t)?.shift();
    if (queued) return Promise.resolve(queued as Extract<Report, { t: T }>);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no '${t}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const list = this.waiters.get(t) ?? [];
      list.push({
        resolve: (m) => (clearTimeout(timer), resolve(m as Extract<Report, { t: T }>)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.waiters.set(t, list);
    });
  }

  /** Asks the child to stop with `command`, and kills it if it has not exited after `graceMs`. */
  async stop(command: Command, graceMs: number): Promise<void> {
    if (this.exitError) return;
    this.send(command);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private dispatch(m: Tagged): void {
    const listener = this.listeners.get(m.t);
    if (listener) return listener(m);
    const waiter = this.waiters.get(m.t)?.shift();
    if (waiter) return waiter.resolve(m);
    const list = this.queued.get(m.t) ?? [];
    list.push(m);
    this.queued.set(m.t, list);
  }
}
