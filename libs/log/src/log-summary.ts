import type { Logger } from 'pino';

/** Options of {@link LogSummary}. */
export interface LogSummaryOptions {
  /** At most one line per this many milliseconds. Default 10 s. */
  everyMs?: number;
  /** `warn` (default) or `error`. */
  level?: 'warn' | 'error';
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * One log line per interval for an event that can repeat thousands of times a second (a push that
 * failed, a peer that is down): the first occurrence is logged at once, later ones are counted and
 * reported as `{ count, sample }` when the interval is over. An outage then costs a few lines, not
 * megabytes, and the count still says how bad it was.
 */
export class LogSummary {
  readonly #log: Logger;
  readonly #msg: string;
  readonly #everyMs: number;
  readonly #level: 'warn' | 'error';
  readonly #now: () => number;
  #nextAt = 0;
  #count = 0;
  #sample: Record<string, unknown> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, msg: string, options: LogSummaryOptions = {}) {
    this.#log = log;
    this.#msg = msg;
    this.#everyMs = options.everyMs ?? 10_000;
    this.#level = options.level ?? 'warn';
    this.#now = options.now ?? Date.now;
  }

  /** Records `n` occurrences; `fields` of the latest one are kept as the sample. */
  add(fields: Record<string, unknown> = {}, n = 1): void {
    this.#count += n;
    this.#sample = fields;
    const now = this.#now();
    if (now >= this.#nextAt) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), this.#nextAt - now);
    this.#timer.unref();
  }

  /** Logs what was counted since the last line, if anything (also called on shutdown). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#count === 0) return;
    this.#log[this.#level]({ ...this.#sample, count: this.#count, everyMs: this.#everyMs }, this.#msg);
    this.#count = 0;
    this.#sample = undefined;
    this.#nextAt = this.#now() + this.#everyMs;
  }
}
