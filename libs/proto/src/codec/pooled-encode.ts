import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import { NumberInt64Writer } from './number-int64.js';

/** What ts-proto generates for a message type: `Packet`, `SendResponse`... */
export interface MessageEncoder<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/**
 * The private state of @bufbuild/protobuf's BinaryWriter read by {@link encodeToBuffer}; its spec
 * checks the bytes against `encode().finish()`, so a release that renames these fails there.
 */
interface WriterState {
  buffer: Uint8Array;
  pos: number;
}

/** A writer whose buffer grew past this is dropped after use rather than kept for the next. */
const KEEP_BYTES = 64 * 1024;

let shared: BinaryWriter = new NumberInt64Writer();
let inUse = false;

/**
 * `codec.encode(message).finish()` as a Buffer, for the hot paths (every push, response and
 * internal request). A fresh writer starts with an empty buffer, allocates 128 bytes and doubles
 * as it goes, and `finish()` copies into yet another ArrayBuffer: two or three ArrayBuffers per
 * message, each costly to create and to collect. Here one writer is kept and reused, and the bytes
 * are copied once into a Buffer from Node's pool (`Buffer.allocUnsafe`, a slice of a shared slab
 * for small sizes); 64-bit integers are written without BigInts ({@link NumberInt64Writer}). Encoding is synchronous, so one writer serves every call; a nested call (an
 * encoder that encodes another message by this function) gets a writer of its own.
 */
export function encodeToBuffer<T>(codec: MessageEncoder<T>, message: T): Buffer {
  return writeToBuffer(encodeWith, codec, message, undefined);
}

function encodeWith<T>(writer: BinaryWriter, codec: MessageEncoder<T>, message: T): void {
  codec.encode(message, writer);
}

/**
 * What `write(writer, a, b, c)` writes, as a Buffer, on the reused writer of {@link encodeToBuffer}:
 * for bytes built from values that are not a generated message (`write` is a plain function, so
 * that no closure is made per call).
 */
export function writeToBuffer<A, B, C>(
  write: (writer: BinaryWriter, a: A, b: B, c: C) => void,
  a: A,
  b: B,
  c: C,
): Buffer {
  if (inUse) {
    const own = new NumberInt64Writer();
    write(own, a, b, c);
    return asOwnBuffer(own.finish());
  }
  inUse = true;
  const writer = shared;
  try {
    write(writer, a, b, c);
    const state = writer as unknown as WriterState;
    const out = Buffer.allocUnsafe(state.pos);
    out.set(state.buffer.subarray(0, state.pos));
    state.pos = 0;
    if (state.buffer.length > KEEP_BYTES) shared = new NumberInt64Writer();
    return out;
  } catch (err) {
    // Forks left open: start the next call from a clean writer.
    shared = new NumberInt64Writer();
    throw err;
  } finally {
    inUse = false;
  }
}

function asOwnBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
