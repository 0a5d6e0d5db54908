import { BinaryReader } from '@bufbuild/protobuf/wire';
import { walkFields } from './wire-walk.js';

/** The decode half of a ts-proto message's functions. */
export interface MessageDecoder<T> {
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// The generated decoder substitutes U+FFFD for bad UTF-8; proto3 strings must be valid UTF-8.
function decodeUtf8Strict(bytes: Uint8Array): string {
  return strictUtf8.decode(bytes);
}

/**
 * Decodes a message, throwing on anything that is not valid protobuf for it.
 *
 * The generated ts-proto decoder is lenient with garbage: a zero tag or stray end-group tag silently
 * ends decoding, a truncated varint reads past the end without complaint, and bad UTF-8 becomes U+FFFD.
 * Other garbage makes it throw. So the bytes are first walked as the strict tag reader of
 * `@bufbuild/protobuf` would (wire-walk.ts), which rejects field number 0, wire types 4, 6 and 7
 * outside a group, and every overrun; then handed to the generated decoder.
 */
export function decodeStrictOrThrow<T>(type: MessageDecoder<T>, bytes: Uint8Array): T {
  walkFields(bytes);
  const reader = new BinaryReader(bytes, decodeUtf8Strict);
  const message = type.decode(reader);
  if (reader.pos !== reader.len) throw new Error('trailing bytes after the last field');
  return message;
}

/** {@link decodeStrictOrThrow}, with undefined for bytes that are not valid protobuf. */
export function decodeStrict<T>(type: MessageDecoder<T>, bytes: Uint8Array): T | undefined {
  try {
    return decodeStrictOrThrow(type, bytes);
  } catch {
    return undefined;
  }
}
