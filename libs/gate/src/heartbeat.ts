import type { Packet } from '@switchboard/proto/client';
import { responsePacket } from '@switchboard/protocol';
import type { Connection } from './connection.js';
import type { SessionHost } from './session-host.js';

/**
 * HEARTBEAT, accepted in any state: answered with an empty HEARTBEAT. The activity it records (which
 * keeps the idle deadline away) was noted by the core when the packet arrived.
 */
export function answerHeartbeat(host: SessionHost, conn: Connection, packet: Packet): void {
  host.reply(conn, responsePacket(packet));
}
