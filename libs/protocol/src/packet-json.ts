import { ErrorCode, Packet, PacketType } from '@switchboard/proto/client';
import { checkPacketType, isKnownPacketType, type PacketDecodeResult } from './packet-codec.js';
import { asBuffer } from './packet-builders.js';
import { payloadCodecFor, type PacketDirection } from './payload-types.js';

/** WebSocket subprotocol for protobuf Packets in binary messages (the default). */
export const WS_SUBPROTOCOL_PROTOBUF = 'switchboard.v1';
/** WebSocket subprotocol for proto3 JSON Packets in text messages, for people at a console. */
export const WS_SUBPROTOCOL_JSON = 'switchboard.v1.json';

/**
 * Renders a Packet as proto3 JSON text: `type` as its enum name, default fields omitted, and `data`
 * as the payload message itself in proto3 JSON (an object) when the packet type and `direction`
 * say which message it is — so that a person at a console can read it. A payload that does not
 * decode as that message and re-encode to the same bytes, or a packet type without one, keeps
 * `data` as base64 of the bytes.
 * `requestId` is written as a JSON number (as ts-proto does): request ids stay below 2^53, and a
 * number is what a person typing at a console expects. Parsers accept a decimal string too.
 */
export function packetToJson(packet: Packet, direction: PacketDirection = 'to-client'): string {
  const json = Packet.toJSON(packet) as Record<string, unknown>;
  // ts-proto writes "UNRECOGNIZED" for values it does not know; the number keeps the information.
  if (packet.type !== 0 && !isKnownPacketType(packet.type)) json['type'] = packet.type;
  const codec = packet.data.length > 0 ? payloadCodecFor(packet.type, direction) : undefined;
  if (codec) {
    try {
      const message = codec.decode(packet.data);
      // Only when the object form is lossless: bytes with unknown fields stay base64.
      if (Buffer.from(codec.encode(message as never).finish()).equals(packet.data)) {
        json['data'] = codec.toJSON(message as never);
      }
    } catch {
      // not that message after all: leave the base64 form
    }
  }
  return JSON.stringify(json);
}

class JsonPacketError extends Error {}

const FIELD_NAMES: Readonly<Record<string, keyof Packet>> = {
  type: 'type',
  requestId: 'requestId',
  request_id: 'requestId',
  code: 'code',
  message: 'message',
  data: 'data',
};

/**
 * Parses proto3 JSON text into a Packet, with the same outcomes as `decodePacket`. Never throws.
 * `data` may be base64 of the protobuf payload, or the payload message as a proto3 JSON object
 * (its type follows from the packet type and `direction`), which is encoded to protobuf here.
 *
 * Stricter than the generated `Packet.fromJSON`, which turns bad input into NaN, drops invalid base64
 * characters and maps unknown enum names to UNRECOGNIZED: here any of those, an unknown field (the
 * proto3 JSON default), or text that is not a JSON object is `ERROR_CODE_INVALID_PACKET`.
 */
export function packetFromJson(text: string, direction: PacketDirection = 'to-server'): PacketDecodeResult {
  let packet: Packet;
  try {
    packet = parsePacketObject(JSON.parse(text), direction);
  } catch (cause) {
    return {
      ok: false,
      error: {
        code: ErrorCode.ERROR_CODE_INVALID_PACKET,
        message: `invalid Packet JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
      },
    };
  }
  return checkPacketType(packet);
}

function parsePacketObject(value: unknown, direction: PacketDirection): Packet {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JsonPacketError('expected a JSON object');
  }
  const packet = Packet.create();
  const seen = new Set<keyof Packet>();
  let payloadObject: object | undefined;
  for (const [key, raw] of Object.entries(value)) {
    const field = Object.hasOwn(FIELD_NAMES, key) ? FIELD_NAMES[key] : undefined;
    if (field === undefined) throw new JsonPacketError(`unknown field "${key}"`);
    if (seen.has(field)) throw new JsonPacketError(`field "${field}" given twice`);
    seen.add(field);
    if (raw === null) continue;
    switch (field) {
      case 'type':
        packet.type = parseType(raw);
        break;
      case 'requestId':
        packet.requestId = parseInteger(raw, 0, Number.MAX_SAFE_INTEGER, 'requestId');
        break;
      case 'code':
        packet.code = parseInteger(raw, -0x8000_0000, 0x7fff_ffff, 'code');
        break;
      case 'message':
        if (typeof raw !== 'string') throw new JsonPacketError('message must be a string');
        packet.message = raw;
        break;
      case 'data':
        if (typeof raw === 'object' && !Array.isArray(raw)) payloadObject = raw as object;
        else packet.data = parseBase64(raw);
        break;
    }
  }
  if (payloadObject !== undefined) packet.data = encodePayloadObject(packet.type, direction, payloadObject);
  return packet;
}

/** A field of a client payload checked before the generated fromJSON reads it. */
interface FieldRule {
  readonly field: string;
  readonly ok: (raw: unknown) => boolean;
  /** What the field must be, after "data.<field> must ". */
  readonly must: string;
}

/**
 * The generated fromJSON decodes base64 leniently, dropping characters it does not know: content
 * sent as "hello" (not base64) would be stored as three mangled bytes.
 */
const BASE64_CONTENT: FieldRule = {
  field: 'content',
  ok: isBase64,
  must: 'be base64 (bytes in proto3 JSON)',
};

/**
 * It reads anything but an object in a message-typed field as an empty message: `"conversation":
 * "bob"` became no conversation, which the server then refused as "conversation is required".
 */
const CONVERSATION_OBJECT: FieldRule = {
  field: 'conversation',
  ok: (raw) => typeof raw === 'object' && !Array.isArray(raw),
  must: 'be an object such as {"type": "CONVERSATION_TYPE_USER", "id": "bob"}',
};

/** The fields of the payloads a client sends that are checked strictly first, by packet type. */
const CLIENT_FIELD_RULES: Partial<Record<PacketType, readonly FieldRule[]>> = {
  [PacketType.PACKET_TYPE_SEND]: [BASE64_CONTENT, CONVERSATION_OBJECT],
  [PacketType.PACKET_TYPE_READ]: [CONVERSATION_OBJECT],
  [PacketType.PACKET_TYPE_HISTORY]: [CONVERSATION_OBJECT],
};

// The generated fromJSON is lenient otherwise too (it ignores unknown fields and coerces types);
// enough for a console, where a typo shows up as a missing value the server then rejects.
function encodePayloadObject(type: PacketType, direction: PacketDirection, object: object): Buffer {
  const codec = payloadCodecFor(type, direction);
  if (!codec)
    throw new JsonPacketError('this packet type carries no payload object; give data as base64 or omit it');
  if (direction === 'to-server') {
    for (const rule of CLIENT_FIELD_RULES[type] ?? []) {
      const raw: unknown = (object as Record<string, unknown>)[rule.field];
      if (raw !== undefined && raw !== null && !rule.ok(raw)) {
        throw new JsonPacketError(`data.${rule.field} must ${rule.must}`);
      }
    }
  }
  return asBuffer(codec.encode(codec.fromJSON(object) as never).finish());
}

function parseType(raw: unknown): PacketType {
  if (typeof raw === 'string') {
    const value: unknown = PacketType[raw as keyof typeof PacketType];
    if (typeof value !== 'number' || value === PacketType.UNRECOGNIZED) {
      throw new JsonPacketError(`unknown packet type name "${raw}"`);
    }
    return value;
  }
  // An integer the server does not know is well-formed proto3 JSON: reported as an unknown type.
  return parseInteger(raw, -0x8000_0000, 0x7fff_ffff, 'type');
}

// proto3 JSON allows 64-bit (and 32-bit) integers as numbers or decimal strings.
function parseInteger(raw: unknown, min: number, max: number, name: string): number {
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JsonPacketError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

// Standard or URL-safe alphabet, padding optional, as proto3 JSON parsers accept.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function isBase64(raw: unknown): raw is string {
  return typeof raw === 'string' && BASE64.test(raw) && raw.replace(/=+$/, '').length % 4 !== 1;
}

function parseBase64(raw: unknown): Buffer {
  if (!isBase64(raw)) throw new JsonPacketError('data must be a base64 string');
  return Buffer.from(raw, 'base64');
}
