import type { RateLimit } from '@switchboard/rpc';

/**
 * The subset of the `gate` configuration the core uses (a `GateConfig` from @switchboard/config
 * satisfies it).
 */
export interface GateSettings {
  /** A connection must sign in within this (ms), else SIGN_IN_TIMEOUT. */
  signInTimeoutMs: number;
  /** Told to clients in SignInResponse: how often to send HEARTBEAT (ms). */
  heartbeatIntervalMs: number;
  /** Silence after which a signed-in connection is closed with HEARTBEAT_TIMEOUT (ms). */
  heartbeatTimeoutMs: number;
  /** Queued plus transport-buffered bytes past which a connection is cut off (SLOW_CONSUMER). */
  sendQueueMaxBytes: number;
  /** Inbound packets per connection; past it the connection is closed with FLOOD. */
  rateLimit: RateLimit;
  /**
   * Client requests of all connections waiting on logic at once; past it a request is answered
   * RATE_LIMITED at once (a sign-in is closed with it) instead of queueing past its deadline.
   * Default 4096.
   */
  maxInflightRequests?: number;
  /** Connections this gate holds at most; a new one past it is closed with TOO_MANY_CONNECTIONS. Default 100,000. */
  maxConnections?: number;
  /** Connections from one IP address at most (0: no limit, the default). */
  maxConnectionsPerIp?: number;
  /** New connections per second from one IP address, with this burst (rate 0: no limit, the default). */
  connectRatePerIp?: { perSecond: number; burst: number };
  /** Rooms one connection may subscribe to; past it SUBSCRIBE_ROOM answers LIMIT_EXCEEDED. Default 64. */
  maxRoomsPerConnection?: number;
  /**
   * After logic answers a send RATE_LIMITED (it is saturated), the gate answers sends RATE_LIMITED
   * itself for this long (ms) instead of forwarding them to be refused there: a refusal at the gate
   * costs no gRPC call, so refusing does not eat the CPU the accepted sends need. 0 turns it off.
   * Default 100.
   */
  busyBackoffMs?: number;
}
