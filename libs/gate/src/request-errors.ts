import { errorPacket } from '@switchboard/protocol';
import type { Packet } from '@switchboard/proto/client';
import type { Connection } from './connection.js';
import { errorOf, logDetailOf } from './error-of.js';
import type { SessionHost } from './session-host.js';

/** What a request refused by admission control is told; RATE_LIMITED is retryable. */
export const BUSY = 'server busy; retry after a short back-off';

/**
 * Answers a request whose upstream call failed with the error's code and message. A failure that
 * was not expected (not a SwitchboardError a service chose to return) is logged as an error.
 */
export function replyError(host: SessionHost, conn: Connection, packet: Packet, err: unknown): void {
  const { code, message, expected } = errorOf(err);
  if (!expected)
    host.logger.error(
      { conn: conn.id, type: packet.type, code, err, detail: logDetailOf(err) },
      'request failed unexpectedly',
    );
  if (!conn.closed) host.reply(conn, errorPacket(packet, code, message));
}
