/** One upstream a service needs before it can do its work (a store, a database, another service). */
export interface UpstreamCheck {
  /** What is checked, as an operator reads it: `route at 127.0.0.1:7400`, `redis`, `mysql`. */
  name: string;
  /** Resolves when the upstream answers; rejects (with the reason) when it does not. */
  check(): Promise<void>;
}

/** The subset of a pino logger that readiness reports through. */
export interface ReadinessLogger {
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface ReadinessOptions {
  checks: readonly UpstreamCheck[];
  logger: ReadinessLogger;
  /** Deadline of one check (default 2 s). */
  timeoutMs?: number;
  /** How often checks run while everything is reachable (default 5 s) and while not (default 1 s). */
  everyMs?: number;
  retryMs?: number;
}

/**
 * Whether a service's upstreams are reachable, for `/readyz`. The checks run in the background
 * (never per request) and the result is cached. A check that fails is logged at error level with
 * its reason, once per outage, so that a service which cannot reach its upstreams says so loudly
 * instead of only "listening"; its recovery is logged at info level.
 */
export class Readiness {
  private readonly failing = new Map<string, string>();
  private checked = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ReadinessOptions) {}

  /** True once every check has passed at its latest run. */
  get ready(): boolean {
    return this.checked && this.failing.size === 0 && !this.stopped;
  }

  /** Upstreams failing at the latest run, with their reasons. */
  problems(): Array<{ upstream: string; reason: string }> {
    return [...this.failing].map(([upstream, reason]) => ({ upstream, reason }));
  }

  /** Runs the checks once now (resolves when done, never rejects), then keeps running them. */
  async start(): Promise<void> {
    await this.runOnce();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Runs every check once and updates the state. */
  async runOnce(): Promise<void> {
    const { logger, timeoutMs = 2_000 } = this.options;
    await Promise.all(
      this.options.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeoutMs);
          if (this.failing.delete(name))
            logger.info({ upstream: name }, `upstream ${name} is reachable again`);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          if (!this.failing.has(name)) {
            logger.error(
              { upstream: name, reason },
              `upstream ${name} is unreachable; /readyz answers 503 until it is`,
            );
          }
          this.failing.set(name, reason);
        }
      }),
    );
    this.checked = true;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.failing.size > 0 ? (this.options.retryMs ?? 1_000) : (this.options.everyMs ?? 5_000);
    this.timer = setTimeout(() => void this.runOnce().then(() => this.schedule()), delay);
    this.timer.unref();
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
