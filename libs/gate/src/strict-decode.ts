import { BinaryReader } from '@bufbuild/protobuf/wire';

/** The decode half of a ts-proto message's functions. */
export interface MessageDecoder<T> {
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decodeUtf8 = (bytes: Uint8Array) => strictUtf8.decode(bytes);

/**
 * Decodes a payload message, or returns undefined when the bytes are not valid protobuf. The
 * generated decoders are lenient (a zero tag silently ends decoding, bad UTF-8 becomes U+FFFD), so
 * the top-level fields are first walked with the strict reader, as the Packet codec does.
 */
export function decodeStrict<T>(type: MessageDecoder<T>, bytes: Uint8Array): T | undefined {
  try {
    const reader = new BinaryReader(bytes, decodeUtf8);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      reader.skip(wireType, fieldNo);
    }
    reader.pos = 0;
    const message = type.decode(reader);
    return reader.pos === reader.len ? message : undefined;
  } catch {
    return undefined;
  }
}
