import type { TimerWheel, WheelEntry } from './timer-wheel.js';
import type { TokenBucketState } from '@switchboard/rpc';
import type { Transport, WireChunk, WireFormat } from './transport.js';

/** Where a connection is in its life. */
export const ConnState = {
  /** Connected, no SIGN_IN yet. */
  Open: 0,
  /** SIGN_IN sent to logic, answer pending. */
  SigningIn: 1,
  SignedIn: 2,
  /** Released by the core; nothing more is written or read. */
  Closed: 3,
} as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/**
 * The state the gate keeps per connection: a handful of fields and no closures, timers or buffers
 * while idle (the outbound queue exists only between an enqueue and the next flush). Every field
 * costs 8 bytes per connection; numbers are kept small integers where they can be (V8 stores those
 * inline, and any other number in a 16-byte box of its own).
 */
export abstract class Connection implements WheelEntry, TokenBucketState {
  state: ConnState = ConnState.Open;
  appId = '';
  userId = '';
  deviceId = '';
  /** Route binding epoch from sign-in (or the last re-bind); 0 until signed in. */
  epoch = 0;
  /** Platform given at sign-in, one shared string per distinct value (see GateCore.intern). */
  platform = '';
  /**
   * Tags given at sign-in together with the server-granted ones (TagIndex keeps which are which);
   * undefined when none.
   */
  tags: ReadonlySet<string> | undefined = undefined;
  /** Rooms this connection subscribed to; undefined when none. */
  rooms: Set<string> | undefined = undefined;
  /** Last time anything arrived from the client (ms on the core's connection clock, see GateCore). */
  lastActivity: number;
  wheelDue = 0;
  wheelNext: WheelEntry | undefined = undefined;
  wheelPrev: WheelEntry | undefined = undefined;
  tokens = 0;
  tokensAt = 0;
  /**
   * What waits for the next flush: one chunk as is (the common case, no array), several in an
   * array; undefined when nothing is queued. See OutboundQueue.
   */
  pending: WireChunk | WireChunk[] | undefined = undefined;
  pendingBytes = 0;

  /** Where this connection's packets go: another object, or the connection itself. */
  abstract readonly transport: Transport;
  /** How its packets look on the wire, fixed for its lifetime. */
  abstract readonly format: WireFormat;

  /** `id` and `now` come from the core (GateCore.newConnectionId and connectionNow). */
  constructor(
    readonly id: number,
    now: number,
  ) {
    this.lastActivity = now;
  }

  get signedIn(): boolean {
    return this.state === ConnState.SignedIn;
  }

  get closed(): boolean {
    return this.state === ConnState.Closed;
  }
}

/**
 * A connection whose Transport is another object (ws-conn, tests). A transport can instead extend
 * Connection and implement Transport itself (tcp-conn): one object per connection instead of two,
 * and no field for what it can answer from its prototype.
 */
export class TransportConnection extends Connection {
  readonly format: WireFormat;

  constructor(
    id: number,
    readonly transport: Transport,
    now: number,
  ) {
    super(id, now);
    this.format = transport.format;
  }
}

export type ConnectionWheel = TimerWheel<Connection>;
