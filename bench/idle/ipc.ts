// Messages between bench/idle/run.ts and its load processes (IPC, `serialization: 'advanced'`).
import type { StormSpec } from '../signin/ipc.js';

/**
 * Connections a load process opens and holds: a sign-in storm's share (signin/ipc.ts), to a bare
 * server (raw) or signed in to a gate, at one URL (for a churn, several, space-separated); user
 * `<prefix><index>`, source address by index.
 */
export interface OpenSpec extends Omit<StormSpec, 'urls'> {
  url: string;
  prefix: string;
}

export type LoadCommand =
  /** Open and hold `spec.count` connections; answered by `opened`. */
  | { t: 'open'; spec: OpenSpec }
  /** Sign in, then close, `spec.count` times over the URLs in turn; answered by `churned`. */
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
