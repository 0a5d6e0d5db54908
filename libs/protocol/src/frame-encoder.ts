/** Bytes of the big-endian length prefix in front of every TCP frame. */
export const FRAME_HEADER_BYTES = 4;

/** The largest body a 4-byte length prefix can declare. */
export const MAX_FRAME_LENGTH = 0xffff_ffff;

/**
 * Frames an already-encoded Packet for TCP: a 4-byte big-endian length, then the body.
 *
 * Header and body go into one buffer so a socket write is one syscall-sized chunk and the result can be
 * written unchanged to many connections.
 */
export function encodeFrame(body: Uint8Array): Buffer {
  const length = body.length;
  if (length > MAX_FRAME_LENGTH) {
    throw new RangeError(`frame body of ${length} bytes does not fit a 4-byte length prefix`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}
