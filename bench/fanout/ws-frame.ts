// A WebSocket binary frame as a server sends it (FIN, opcode 2, unmasked), built once so that the
// same bytes can be written to many sockets: the least a WebSocket server can do per delivery.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** The whole frame (header and `payload`) in one buffer. */
export function binaryFrame(payload: Uint8Array): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + n);
  frame[0] = 0x82;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  frame.set(payload, header);
  return frame;
}

/** The TCP socket under a `ws` connection: writing a ready frame to it skips per-send framing. */
export function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}
