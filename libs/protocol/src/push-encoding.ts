import { type PacketType } from '@switchboard/proto/client';
import { FRAME_HEADER_BYTES } from './frame-encoder.js';
import { encodePacketFrame } from './packet-codec.js';
import { pushPacket } from './packet-builders.js';

/**
 * A push encoded once for every connection it goes to. `frame` and `packet` share one allocation.
 */
export interface EncodedPush {
  /** The length-prefixed frame, for TCP connections. */
  readonly frame: Buffer;
  /** The bare Packet bytes (a view into `frame`), for WebSocket binary messages. */
  readonly packet: Buffer;
}

/**
 * Encodes a push Packet (request id 0) once, for a gateway to write the same bytes to many connections
 * instead of encoding per recipient.
 */
export function encodePush(type: PacketType, data: Uint8Array): EncodedPush {
  const frame = encodePacketFrame(pushPacket(type, data));
  return { frame, packet: frame.subarray(FRAME_HEADER_BYTES) };
}

/** The TCP frame of {@link encodePush}. */
export function encodePushFrame(type: PacketType, data: Uint8Array): Buffer {
  return encodePush(type, data).frame;
}
