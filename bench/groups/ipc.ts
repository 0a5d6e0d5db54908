// Messages between the group benchmarks' run scripts and their child processes (IPC,
// `serialization: 'advanced'`).
import type { LoadCommand as RoundCommand, LoadReport as RoundReport } from '../fanout/ipc.js';

/** embedded-suite.ts -> run script: where the suite listens, and the run's app. */
export type EmbeddedReport = {
  t: 'ready';
  tcpUrl: string;
  wsUrl: string;
  api: string;
  appId: string;
  secret: string;
  apiKey: string;
};

/** relay-ws.ts -> run.ts. */
export type RelayReport = { t: 'ready'; port: number };

// ---- Small group (run.ts, small-load.ts) ----

/** Who the members talk to: Switchboard gates, or the raw `ws` relay of the baseline. */
export type MemberKind = 'switchboard' | 'ws';

/** small-load.ts options, passed as one JSON argument. */
export interface SmallLoadOptions {
  kind: MemberKind;
  /** Gate URLs (members spread over them in turn), or the relay's `ws://` URL. */
  urls: string[];
  /** Members per group. */
  members: number;
  groupId: string;
  /**
   * Disjoint groups of `members` each, sends taking them in turn (GroupLayout; ids `<groupId>-<g>`);
   * default 1, the group being `groupId`. Switchboard only.
   */
  groups?: number;
  /** Switchboard only: the app and its token secret. */
  appId: string;
  secret: string;
  bodyBytes: number;
}

/** One open-loop phase: `rate` group sends per second for `durationMs`, each given up after `timeoutMs`. */
export interface SmallPhaseSpec {
  label: string;
  rate: number;
  durationMs: number;
  timeoutMs: number;
  /** How long to wait after the last answer for pushes still on their way before counting. */
  settleMs: number;
}

export type SmallLoadCommand = { t: 'phase'; spec: SmallPhaseSpec } | { t: 'stop' };

/** What one phase measured and what its check found, in the load generator. */
export interface SmallPhaseResult {
  label: string;
  rate: number;
  /** From the first send to the last answer (or give-up), at least the phase's duration. */
  elapsedMs: number;
  sent: number;
  acked: number;
  /** Error answers by code name. */
  errors: Record<string, number>;
  timedOut: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** Pushes of acknowledged messages received by members other than the sender. */
  deliveries: number;
  /** What `deliveries` should be: acked x (members - 1). */
  expectedDeliveries: number;
  /** Deliveries over the time from the first send to the last push. */
  deliveriesPerSec: number;
  /** Per delivery: push arrival minus the send's write. */
  pushP50Ms: number;
  pushP99Ms: number;
  /** Per message: the last member's arrival minus the send's write (messages every member got). */
  allP50Ms: number;
  allP99Ms: number;
  /** Acknowledged messages a member other than the sender never got. */
  lost: number;
  /** Second copies of a message at one member. */
  duplicated: number;
  /** A push whose conversation_seq differs from the one the sender's answer gave. */
  mismatched: number;
  /** The sending device got its own message pushed back. */
  echoed: number;
  /** Pushes that arrived at a member after one with a higher conversation_seq. */
  outOfConversationOrder: number;
  /** Pushes that arrived at a member after one with a higher inbox seq (Switchboard only). */
  outOfInboxOrder: number;
  /** Pushes of messages whose send was not acknowledged (stored after a timeout or error). */
  unacked: number;
  syncHints: number;
  /** Members whose connection closed during the phase. */
  disconnected: number;
  /** Load process CPU over the phase, in cores. */
  loadCpu: number;
}

export type SmallLoadReport =
  | { t: 'progress'; line: string }
  | { t: 'connected'; connected: number; failed: number; ms: number }
  /**
   * The phase's sends are all answered (or given up on): the settle and the check that follow are
   * not the phase's work, so a runner reads the processes' CPU here, before its 'phase' report.
   */
  | { t: 'sent' }
  | { t: 'phase'; result: SmallPhaseResult };

// ---- Room and large-group fan-out (large.ts, member-load.ts) ----

/** The content type of the benchmark's payloads; other pushes (group system messages) are not counted. */
export const PAYLOAD_CONTENT_TYPE = 'application/x-bench';

/** member-load.ts: open a share of the connections. */
export interface ConnectSpec {
  kind: MemberKind;
  /** Server URLs, connections spread over them in turn. */
  urls: string[];
  count: number;
  /** Global index of this process's first connection (user `u<index>`). */
  offset: number;
  appId: string;
  secret: string;
  /** Switchboard only: a room every connection subscribes to once signed in. */
  room: string;
  concurrency: number;
}

export type MemberLoadCommand =
  | RoundCommand
  | { t: 'connect'; spec: ConnectSpec }
  /** Close every connection (the process stays for the next `connect`). */
  | { t: 'drop' };

export type MemberLoadReport = RoundReport | { t: 'dropped'; syncHints: number; closedEarly: number };
