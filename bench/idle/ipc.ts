// Messages between bench/idle/run.ts and its load processes (IPC, `serialization: 'advanced'`).

/** Connections a load process opens and holds: to a bare server (raw) or signed in to a gate. */
export interface OpenSpec {
  kind: 'raw' | 'switchboard';
  url: string;
  /** Global index of the first connection: user `<prefix><index>`, source address by index. */
  offset: number;
  count: number;
  /** Connections being opened at once by this process. */
  inflight: number;
  /** Switchboard only: user id prefix, the app and its token secret. */
  prefix: string;
  appId: string;
  secret: string;
}

export type LoadCommand =
  /** Open and hold `spec.count` connections; answered by `opened`. */
  | { t: 'open'; spec: OpenSpec }
  /** Sign in, then close, `spec.count` times per URL in turn (`spec.url` may list several, space-separated); answered by `churned`. */
  | { t: 'churn'; spec: OpenSpec }
  /** Close every held connection; answered by `closed`. */
  | { t: 'close' }
  | { t: 'stop' };

export type LoadReport =
  | { t: 'progress'; done: number; failed: number }
  | { t: 'opened'; opened: number; failed: number; errors: Record<string, number> }
  | { t: 'churned'; done: number; failed: number; errors: Record<string, number> }
  /** `closedEarly`: held connections the server had closed. */
  | { t: 'closed'; closedEarly: number };
