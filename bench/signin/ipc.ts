// Messages between bench/signin/run.ts and its child processes (IPC, `serialization: 'advanced'`).

/** Who a load process connects to: Switchboard gates (sign-in), or the bare server of the baseline. */
export type StormKind = 'switchboard' | 'raw';

/** One load process's share of a storm. */
export interface StormSpec {
  kind: StormKind;
  /** Server URLs (`tcp://` or `ws://`), connection `i` goes to `urls[i % urls.length]`. */
  urls: string[];
  /** Global index of this process's first connection: user `u<index>`, device `d<index>`. */
  offset: number;
  count: number;
  /** Connections being opened (and signed in) at once by this process. */
  inflight: number;
  /** Switchboard only: the app and its token secret. */
  appId: string;
  secret: string;
}

export type LoadCommand =
  /** Mint the tokens (Switchboard) so that the storm itself does no JWT signing; answered by `ready`. */
  | { t: 'prepare'; spec: StormSpec }
  /** Open every connection of the spec, `inflight` at a time; answered by `done`. */
  | { t: 'go' }
  /** Close every connection; answered by `closed`. */
  | { t: 'close' }
  | { t: 'stop' };

/** What one load process measured. */
export interface StormResult {
  /** Connect start -> answer (SignInResponse, or the bare server's echo), ms, per transport. */
  tcpMs: Float64Array;
  wsMs: Float64Array;
  /** Failures by cause: an error code name, or the connection error. */
  errors: Record<string, number>;
  /** Answers naming another user than the one signed in (or a wrong echo). */
  wrong: number;
  /** Wall clock (ms since the epoch) of the first connect and of the last answer. */
  startMs: number;
  endMs: number;
  /** This process's CPU over the storm, seconds. */
  cpuSeconds: number;
}

export type LoadReport =
  | { t: 'ready' }
  | { t: 'progress'; done: number; failed: number }
  | { t: 'done'; result: StormResult }
  | { t: 'closed'; closedEarly: number };

/** bare-server.ts -> run.ts. */
export type BareReport = { t: 'ready'; tcpPort: number; wsPort: number };
