import { ErrorCode, Packet, PacketType } from '@switchboard/proto/client';
import { encodeFrame } from './frame-encoder.js';
import { encodeToBuffer } from '@switchboard/proto/codec';
import { type ProtocolError } from './protocol-error.js';
import { decodeStrictOrThrow } from './strict-decode.js';

/**
 * The outcome of decoding one Packet from bytes or JSON.
 *
 * - `ok: true`: a well-formed Packet of a type this server knows.
 * - `ERROR_CODE_INVALID_PACKET`: not a Packet at all (malformed protobuf or JSON, invalid UTF-8, a
 *   request id above 2^53). There is no trustworthy request id to answer; a gateway closes.
 * - `ERROR_CODE_UNKNOWN_PACKET_TYPE`: a well-formed Packet whose type is `PACKET_TYPE_UNSPECIFIED` (as
 *   in an empty body) or a value this version does not know (proto3 enums are open, so a newer client
 *   may send one). `packet` is the decoded Packet, so the gateway can answer its `requestId` with a
 *   request error and keep the connection.
 */
export type PacketDecodeResult =
  | { readonly ok: true; readonly packet: Packet }
  | {
      readonly ok: false;
      readonly error: ProtocolError;
      /** Set only for `ERROR_CODE_UNKNOWN_PACKET_TYPE`. */
      readonly packet?: Packet;
    };

/** Encodes a Packet to protobuf bytes (unframed: one WebSocket binary message). */
export function encodePacket(packet: Packet): Buffer {
  return encodeToBuffer(Packet, packet);
}

/** Encodes a Packet and frames it for TCP in one call. */
export function encodePacketFrame(packet: Packet): Buffer {
  return encodeFrame(encodePacket(packet));
}

/** True for the PacketType values this version handles (everything but UNSPECIFIED and unknowns). */
export function isKnownPacketType(type: number): type is PacketType {
  return (
    Number.isInteger(type) &&
    type !== PacketType.PACKET_TYPE_UNSPECIFIED &&
    type !== PacketType.UNRECOGNIZED &&
    PacketType[type] !== undefined
  );
}

/**
 * Decodes protobuf bytes into a Packet, strictly (see {@link decodeStrictOrThrow}). Never throws:
 * see {@link PacketDecodeResult}.
 */
export function decodePacket(bytes: Uint8Array): PacketDecodeResult {
  let packet: Packet;
  try {
    packet = decodeStrictOrThrow(Packet, bytes);
  } catch (cause) {
    return {
      ok: false,
      error: {
        code: ErrorCode.ERROR_CODE_INVALID_PACKET,
        message: `invalid Packet protobuf: ${cause instanceof Error ? cause.message : String(cause)}`,
      },
    };
  }
  return checkPacketType(packet);
}

/** Accepts a decoded Packet of a known type, or reports `ERROR_CODE_UNKNOWN_PACKET_TYPE` with it. */
export function checkPacketType(packet: Packet): PacketDecodeResult {
  if (isKnownPacketType(packet.type)) return { ok: true, packet };
  return {
    ok: false,
    packet,
    error: { code: ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE, message: `unknown packet type ${packet.type}` },
  };
}
