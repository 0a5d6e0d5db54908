// Messages between run.ts and its load-generator process (IPC, `serialization: 'advanced'`).
import type { SlowWindow } from '../shared/stalls.js';

/** Load-generator options, passed as one JSON argument. */
export interface LoadOptions {
  /** Gates (`tcp://host:port` or `ws://host:port/path`): user i connects to `urls[i % urls.length]`. */
  urls: string[];
  appId: string;
  /** The app's token secret (HS256); the load generator mints one token per user. */
  secret: string;
  users: number;
  /** Sign-ins in flight at once while connecting. */
  concurrency: number;
  /** Bytes of each message body. */
  bodyBytes: number;
  /** Seed of the sender/recipient choice, so runs send between the same pairs. */
  seed: number;
  /** Each sender's fixed contacts (bench/send/workload.ts recipientOf); 0 or absent: anyone. */
  contacts?: number;
}

/** One open-loop phase: `rate` sends per second for `durationMs`, each given up after `timeoutMs`. */
export interface PhaseSpec {
  label: string;
  rate: number;
  durationMs: number;
  timeoutMs: number;
  /** When set, the result lists the 100 ms windows with a send acked later than this (ms). */
  slowMs?: number;
}

/** run.ts -> load process. */
export type LoadCommand =
  | { t: 'phase'; spec: PhaseSpec }
  /** Wait `settleMs`, then match every acknowledged message against the pushes and hints received. */
  | { t: 'check'; settleMs: number }
  | { t: 'stop' };

/** What happened to the sends of one phase. */
export interface PhaseResult {
  label: string;
  /** Offered rate (sends per second asked for). */
  rate: number;
  durationMs: number;
  /**
   * From the phase's start to the last answer (or give-up) of its sends, at least `durationMs`:
   * acked/s and refused/s are over this, so a queue that drains after the phase does not count as
   * throughput it did not have.
   */
  elapsedMs: number;
  /** Sends written to a socket. */
  sent: number;
  /** Answered OK within the client timeout. */
  acked: number;
  /** Answered with an error code within the client timeout, by code name. */
  rejected: Record<string, number>;
  /** No answer within the client timeout. */
  timedOut: number;
  /** Answered OK after the client had given up (stored all the same: counted in the push check). */
  lateAcks: number;
  /** The connection closed with the send unanswered. */
  closed: number;
  /** Ack latency of the acked sends, ms: from the write to the answer. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Most the generator fell behind its schedule, ms (a busy load core shows here). */
  maxLagMs: number;
  /** Load process CPU over the phase, in cores. */
  loadCpu: number;
  /** With PhaseSpec.slowMs: the windows (by when sends were written) with a send acked past it. */
  slowWindows?: SlowWindow[];
}

/** The push check of one phase, made once after the last phase has settled. */
export interface PushCheck {
  label: string;
  /** Acknowledged messages (in time or late) whose recipient stayed connected throughout. */
  checked: number;
  /** Of those, received as a MESSAGE push. */
  pushed: number;
  /** Not pushed, but the recipient got a SYNC_HINT after the ack. */
  hinted: number;
  /** Neither: the recipient was never told. Must be 0. */
  missing: number;
  /** Acknowledged messages whose recipient lost its connection during the run (not checked). */
  skippedOffline: number;
  /** Push latency (push arrival minus the send's write), ms. */
  pushP50Ms: number;
  pushP99Ms: number;
}

/** Load process -> run.ts. */
export type LoadReport =
  | { t: 'progress'; line: string }
  | { t: 'connected'; connected: number; failed: number; ms: number }
  | { t: 'phase'; result: PhaseResult }
  | {
      t: 'check';
      phases: PushCheck[];
      /** Receivers whose connection closed during the run. */
      disconnected: number;
      syncHints: number;
      /** MESSAGE pushes of messages whose sender never saw them acknowledged (stored after a timeout). */
      pushedUnacked: number;
      /** Second copies of a MESSAGE push at its recipient (must be 0). */
      doubled: number;
      /** MESSAGE pushes below the recipient's last inbox seq (must be 0). */
      outOfOrder: number;
    };
