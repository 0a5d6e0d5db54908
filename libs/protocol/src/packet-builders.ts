import { ErrorCode, type Packet, PacketType } from '@switchboard/proto/client';

const EMPTY = Buffer.alloc(0);

/** Views bytes as a Buffer without copying, as the generated Packet type wants `data: Buffer`. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The fields of a request a response echoes. */
export type RequestRef = Pick<Packet, 'type' | 'requestId'>;

/** A successful response to `request`: same type and request id, code 0, `data` as the payload. */
export function responsePacket(request: RequestRef, data: Uint8Array = EMPTY): Packet {
  return { type: request.type, requestId: request.requestId, code: 0, message: '', data: asBuffer(data) };
}

/** A failed response to `request`: same type and request id, a catalog code and a human message. */
export function errorPacket(request: RequestRef, code: ErrorCode, message: string): Packet {
  return { type: request.type, requestId: request.requestId, code, message, data: EMPTY };
}

/** A server push (request id 0), such as a MESSAGE carrying an encoded `Message`. */
export function pushPacket(type: PacketType, data: Uint8Array = EMPTY): Packet {
  return { type, requestId: 0, code: 0, message: '', data: asBuffer(data) };
}

/**
 * The last packet before the server closes a connection: KICKED for `SIGNED_IN_ELSEWHERE` and
 * `KICKED_BY_ADMIN`, DISCONNECT for every other reason. docs/errors.md says what the client does next.
 */
export function closePacket(code: ErrorCode, message: string): Packet {
  const type =
    code === ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE || code === ErrorCode.ERROR_CODE_KICKED_BY_ADMIN
      ? PacketType.PACKET_TYPE_KICKED
      : PacketType.PACKET_TYPE_DISCONNECT;
  return { type, requestId: 0, code, message, data: EMPTY };
}
