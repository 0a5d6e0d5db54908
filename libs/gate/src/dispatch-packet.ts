import { ErrorCode, type Packet } from '@switchboard/proto/client';
import { decodeStrict, errorPacket } from '@switchboard/protocol';
import { ConnState, type Connection } from './connection.js';
import { Access, PACKET_ROUTES, type PacketRoute } from './packet-routes.js';
import type { SessionHost } from './session-host.js';

/** What a dispatched packet's payload becomes once decoded (see dispatchPacket). */
const NO_PAYLOAD = Buffer.alloc(0);

/**
 * The session state machine, once for every transport: looks the packet's type up in the dispatch
 * table (packet-routes.ts), checks the connection's state allows it, decodes the payload and hands
 * it to the row's handler. Nothing is allocated here beyond the decoded request.
 */
export function dispatchPacket(host: SessionHost, conn: Connection, packet: Packet): void {
  const route = PACKET_ROUTES[packet.type];
  if (route === undefined) {
    refuseNonRequest(host, conn, packet, `packet type ${packet.type} is not a request`);
    return;
  }
  if (!admitted(host, conn, packet, route)) return;
  let request: unknown;
  if (route.decoder !== undefined) {
    request = decodeStrict(route.decoder, packet.data);
    if (request === undefined) {
      host.closeWith(conn, ErrorCode.ERROR_CODE_INVALID_PACKET, route.invalidPayload);
      return;
    }
  }
  // The payload is a view into the socket read it came in (native memory). Handlers keep the packet
  // until logic answers, long enough for V8 to promote that read to old space, where its memory
  // waits for the next full GC and then stays behind as a hole in the allocator's heap (issue 9:
  // RSS per connection after a sign-in storm). Answers need only the type and the request id.
  packet.data = NO_PAYLOAD;
  route.handle(host, conn, packet, request);
}

/**
 * A packet of a type the client may not send (a server push type, or one this version does not
 * know): an error answer once signed in; before that the client is not speaking the protocol, and
 * is closed.
 */
export function refuseNonRequest(host: SessionHost, conn: Connection, packet: Packet, message: string): void {
  if (conn.signedIn) host.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE, message));
  else host.closeWith(conn, ErrorCode.ERROR_CODE_NOT_SIGNED_IN, 'sign in first');
}

/** True when the connection's state allows this request; otherwise refuses it and returns false. */
function admitted(host: SessionHost, conn: Connection, packet: Packet, route: PacketRoute): boolean {
  switch (route.access) {
    case Access.Always:
      return true;
    case Access.BeforeSignIn:
      if (conn.state === ConnState.Open) return true;
      host.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_ALREADY_SIGNED_IN, 'already signed in'));
      return false;
    case Access.SignedIn:
      if (conn.signedIn) return true;
      host.closeWith(conn, ErrorCode.ERROR_CODE_NOT_SIGNED_IN, 'sign in first');
      return false;
  }
}
