import type { Packet } from '@switchboard/proto/client';
import type { Connection } from './connection.js';
import type { SessionHost } from './session-host.js';

/**
 * What a client request does once the dispatcher has let it in: a plain function (never one made
 * per packet) given the connection, the packet (for its request id) and the decoded payload. It
 * answers through `host.reply`, or closes the connection through `host.closeWith`.
 */
export type RequestHandler<Req> = (host: SessionHost, conn: Connection, packet: Packet, request: Req) => void;
