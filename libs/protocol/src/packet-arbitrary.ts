// Test support for the property specs of this library; not exported from the package.
import { type Packet, PacketType } from '@switchboard/proto/client';
import fc from 'fast-check';

const KNOWN_TYPES = Object.values(PacketType).filter((v): v is PacketType => typeof v === 'number' && v > 0);

/** Any Packet of a known type that the protobuf and JSON codecs must round-trip. */
export const packetArbitrary: fc.Arbitrary<Packet> = fc.record({
  type: fc.constantFrom(...KNOWN_TYPES),
  requestId: fc.oneof(fc.constant(0), fc.maxSafeNat()),
  code: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  message: fc.string({ unit: 'grapheme', maxLength: 40 }),
  data: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
});

/** Cut points for splitting `length` bytes into chunks, ascending and distinct. */
export function cutsArbitrary(length: number): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: Math.min(length, 40) })
    .map((cuts) => cuts.filter((c) => c < length).sort((a, b) => a - b));
}

/** Splits bytes at the given ascending cut points. */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}
