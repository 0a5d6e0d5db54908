// Messages exchanged over the IPC channel between run.ts and its server and load-generator
// processes. Children are started with `serialization: 'advanced'`, so bigint and typed arrays
// cross the channel as they are.

/** The server kinds the benchmark compares; `ws` is the baseline. */
export const SERVER_KINDS = ['ws', 'socketio', 'switchboard'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** The app every Switchboard benchmark client signs in to. */
export const BENCH_APP_ID = 'bench';

/** run.ts -> server process. */
export type ServerCommand =
  | { t: 'mem' }
  | { t: 'push'; messages: number; bytes: number; paceMs: number }
  | { t: 'cpu' }
  | { t: 'stop' };

/** Server process -> run.ts. */
export type ServerReport =
  | { t: 'ready'; port: number; path: string }
  | { t: 'mem'; heapUsed: number; connections: number }
  /**
   * `startNs` is the stamp of the first message (hrtime, shared clock); in a burst every message
   * carries it, paced messages carry the time each one was pushed.
   */
  | { t: 'pushed'; startNs: bigint; pushedNs: bigint; cpuMicros: number }
  | { t: 'cpu'; cpuMicros: number };

/** upstreams.ts -> server-switchboard.ts: where the fake logic and route listen. */
/** Where the fake upstreams listen, and the internal secret they require (the gate sends it). */
export type UpstreamsReport = { t: 'upstreams'; logicAddress: string; routeAddress: string; secret: string };

/** Load-generator options, passed as one JSON argument. */
export interface LoadOptions {
  kind: ServerKind;
  url: string;
  clients: number;
  /** Prefix making user ids unique across load processes. */
  name: string;
  /** Connection attempts in flight at once. */
  concurrency: number;
}

/** run.ts -> load process. */
export type LoadCommand =
  /** Count a burst of `messages` per client; answer with `round` when all arrived or at `timeoutMs`. */
  { t: 'expect'; messages: number; timeoutMs: number } | { t: 'stop' };

/** Load process -> run.ts. */
export type LoadReport =
  | { t: 'progress'; connected: number; failed: number }
  | { t: 'connected'; connected: number; failed: number }
  /** Ready to count the burst announced by `expect`. */
  | { t: 'armed' }
  | {
      t: 'round';
      /** Messages received, second copies included. */
      received: number;
      /** Second (or later) copies of a message a client already had. */
      duplicated: number;
      /** hrtime of the last message of the burst that arrived, 0n when none did. */
      lastNs: bigint;
      /** One latency per distinct message received, in milliseconds. */
      latenciesMs: Float64Array;
      outOfOrder: number;
      /** CPU time this process used from `expect` to the end of the round, in microseconds. */
      cpuMicros: number;
      /** Messages whose full decode did not give back the payload (checked once per client per round). */
      invalid: number;
    };
