/** Where a command writes and what it reads of its process, so that tests can run it in-process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C (or by a test): long-running commands stop and resolve. */
  signal: AbortSignal;
  /** Lines typed by the user (interactive commands); stdin in the real CLI. */
  input?: AsyncIterable<string>;
}
