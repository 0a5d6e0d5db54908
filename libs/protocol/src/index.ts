// The client-protocol codec: TCP LV framing, Packet encoding (protobuf and proto3 JSON), packet
// builders, and the error catalog with its WebSocket close codes.
export { FrameDecoder, type FrameDecoderOptions, type FrameSink } from './frame-decoder.js';
export { encodeFrame, FRAME_HEADER_BYTES, MAX_FRAME_LENGTH } from './frame-encoder.js';
export { type ProtocolError } from './protocol-error.js';
export { decodeStrict, decodeStrictOrThrow, type MessageDecoder } from './strict-decode.js';
export {
  checkPacketType,
  decodePacket,
  encodePacket,
  encodePacketFrame,
  isKnownPacketType,
  type PacketDecodeResult,
} from './packet-codec.js';
export { packetFromJson, packetToJson, WS_SUBPROTOCOL_JSON, WS_SUBPROTOCOL_PROTOBUF } from './packet-json.js';
export { payloadCodecFor, type PacketDirection, type PayloadCodec } from './payload-types.js';
export {
  asBuffer,
  closePacket,
  errorPacket,
  pushPacket,
  responsePacket,
  type RequestRef,
} from './packet-builders.js';
export { encodePush, encodePushFrame, type EncodedPush } from './push-encoding.js';
export {
  messagePushLength,
  messagePushWithSeq,
  PACKET_DATA_TAG,
  PACKET_TYPE_TAG,
  seqOffset,
  writeMessagePush,
} from './message-push.js';
// The error catalog, its codes and WebSocket close codes (also alone, for browsers: ./catalog.js).
export * from './catalog.js';
