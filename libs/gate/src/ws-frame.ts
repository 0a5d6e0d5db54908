/** WebSocket opcodes of the data frames the gate sends (RFC 6455 §5.2). */
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const FIN = 0x80;

/**
 * One complete, unmasked, uncompressed WebSocket data frame (FIN set) carrying `payload`: a binary
 * frame for a Buffer, a text frame for a string. A server's frame is the same bytes for every
 * connection, so a fan-out builds it once and each socket writes it in one call, where `ws.send`
 * would build a header, an options object and a two-buffer writev per connection.
 */
export function wsFrame(payload: Uint8Array | string): Buffer {
  const text = typeof payload === 'string';
  const length = text ? Buffer.byteLength(payload) : payload.length;
  const header = wsHeaderBytes(length);
  const frame = Buffer.allocUnsafe(header + length);
  writeWsHeader(frame, length, text);
  if (text) frame.write(payload, header, 'utf8');
  else frame.set(payload, header);
  return frame;
}

/** Bytes of the header of a frame with `length` bytes of payload. */
export function wsHeaderBytes(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/**
 * Writes the header of a frame of `length` bytes at the start of `frame` (room for
 * {@link wsHeaderBytes}), for a caller that writes the payload behind it itself.
 */
export function writeWsHeader(frame: Buffer, length: number, text: boolean): void {
  frame[0] = FIN | (text ? OPCODE_TEXT : OPCODE_BINARY);
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
}

/** The payload of a frame built by {@link wsFrame}, and whether it is text (tests and tools). */
export function wsFramePayload(frame: Buffer): { text: boolean; payload: Buffer } {
  const short = frame[1]! & 0x7f;
  const header = short < 126 ? 2 : short === 126 ? 4 : 10;
  return { text: (frame[0]! & 0x0f) === OPCODE_TEXT, payload: frame.subarray(header) };
}
