/*
 * What a client that does not speak the TCP gate's framing sent first, when it can be told: an HTTP
 * request (a browser, curl, a WebSocket client pointed at this port) or a TLS handshake on a port
 * without TLS. Either reads as a frame length of hundreds of megabytes, and "frame declares
 * 1195725856 bytes" says nothing useful to the person who typed the URL. Looked at only after the
 * framing has already failed: a client that speaks the protocol never pays for it.
 */

/** The body of the HTTP 400 an HTTP client gets. */
export const TCP_GATE_ANSWER =
  'This is a Switchboard TCP gate: it takes frames of a 4-byte big-endian length and a protobuf Packet (docs/protocol.md, section 1). HTTP and WebSocket clients connect to the WebSocket gate (ws-conn, ws://host:7200/ws by default).\n';

const HTTP_400 = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(TCP_GATE_ANSWER)}\r\n` +
    'Connection: close\r\n\r\n' +
    TCP_GATE_ANSWER,
  'latin1',
);

/** HTTP/1.x methods and HTTP/2's preface, by their first four bytes. */
const HTTP_STARTS = new Set(['GET ', 'HEAD', 'POST', 'PUT ', 'DELE', 'OPTI', 'PATC', 'CONN', 'TRAC', 'PRI ']);

const TLS_HANDSHAKE_RECORD = 0x16;
const TLS_MAJOR_VERSION = 0x03;

export interface ForeignProtocol {
  /** For the close's log line and DISCONNECT. */
  readonly message: string;
  /** Bytes to write before closing, in the client's own protocol. */
  readonly reply?: Buffer;
}

/** What `chunk`, the start of a connection's bytes, is instead, or undefined if it cannot be told. */
export function foreignProtocolOf(chunk: Buffer): ForeignProtocol | undefined {
  if (chunk.length >= 4 && HTTP_STARTS.has(chunk.toString('latin1', 0, 4)))
    return {
      message:
        'an HTTP request on the TCP gate, which takes length-prefixed protobuf Packets (HTTP and WebSocket clients connect to ws-conn)',
      reply: HTTP_400,
    };
  if (chunk.length >= 2 && chunk[0] === TLS_HANDSHAKE_RECORD && chunk[1] === TLS_MAJOR_VERSION)
    return {
      message:
        'a TLS handshake on a TCP gate without TLS (gate.tcp.tls is off): connect without TLS, or turn it on',
    };
  return undefined;
}
