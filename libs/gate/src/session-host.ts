import type { ErrorCode, Packet } from '@switchboard/proto/client';
import type { Session } from '@switchboard/proto/logic';
import type { Logger } from '@switchboard/log';
import type { Admission } from './admission.js';
import type { Clock } from './clock.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { Connection } from './connection.js';
import type { GateCounters } from './metrics.js';
import type { GateRoutePort, LogicPort } from './ports.js';
import type { RoomIndex } from './room-index.js';
import type { GateSettings } from './settings.js';
import type { TagIndex } from './tag-index.js';

/**
 * What the session handlers need from the gate core, and nothing more. The handlers depend on this
 * interface rather than on GateCore, so that the core can import them without an import cycle and a
 * handler can be tested against a small fake. GateCore implements it.
 */
export interface SessionHost {
  readonly gateId: string;
  /** Id of this gate process (see GateCore.bootId). */
  readonly bootId: string;
  /** Renews the lease at once; undefined until the gate's lease keeper runs. */
  readonly renewLeaseNow: (() => Promise<void>) | undefined;
  readonly settings: GateSettings;
  readonly logic: LogicPort;
  readonly route: GateRoutePort;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly counters: GateCounters;
  /** Admission control of the requests forwarded to logic. */
  readonly admission: Admission;
  readonly limits: ConnectionLimits;
  readonly rooms: RoomIndex;
  readonly tags: TagIndex;
  /** True once the gate has begun to shut down: per-connection unbinds are skipped. */
  readonly isDraining: boolean;
  /** Encodes a packet for this one connection and queues it. */
  reply(conn: Connection, packet: Packet): void;
  /** Writes what is queued plus a DISCONNECT with `code`, then closes the connection. */
  closeWith(conn: Connection, code: ErrorCode, message: string): void;
  /** The Session logic expects for a signed-in connection. */
  sessionOf(conn: Connection): Session;
  /** The shared copy of a platform string. */
  intern(platform: string): string;
  /** Logs a failure that can repeat once per connection as one summary line per interval. */
  warnRepeated(msg: string, fields: Record<string, unknown>): void;
  /** Marks a connection signed in and indexes it. */
  signedIn(conn: Connection): void;
}
