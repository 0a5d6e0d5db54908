/** How long a streamed client waits before opening a stream after streams failed. */
export interface ReopenBackoffOptions {
  /** The first wait's cap. Default 50 ms. */
  initialMs?: number;
  /** The longest cap, reached after a few failures in a row. Default 1 s. */
  maxMs?: number;
}

/**
 * When a streamed client may open its next stream. A stream that ends without answering any frame
 * (the backend refused or reset it, or could not be reached) doubles the wait, up to `maxMs`; the
 * first answer on a stream opened since ends it. Without it, a backend that accepts streams and
 * drops them, or one that is down, had every attempt of every call open a stream of its own.
 */
export class ReopenBackoff {
  private failures = 0;
  /** Unix ms before which no stream is opened. */
  until = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(options: ReopenBackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 50;
    this.maxMs = options.maxMs ?? 1_000;
  }

  failed(now: number): void {
    this.failures++;
    const cap = Math.min(this.initialMs * 2 ** (this.failures - 1), this.maxMs);
    // Half of it fixed, so that no draw reopens at once; half random, so that the clients a
    // backend failed together do not all come back together.
    this.until = now + cap / 2 + (Math.random() * cap) / 2;
  }

  succeeded(): void {
    this.failures = 0;
    this.until = 0;
  }
}
