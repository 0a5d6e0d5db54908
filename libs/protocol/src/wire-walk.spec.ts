import { BinaryReader } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkFields } from './wire-walk.js';

/** What the walk replaces: @bufbuild/protobuf's strict reader, tag then skip per field. */
function readerWalk(bytes: Uint8Array): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    reader.skip(wireType, fieldNo);
  }
}

const outcome = (walk: (b: Uint8Array) => void, bytes: Uint8Array): string => {
  try {
    walk(bytes);
    return 'ok';
  } catch (err) {
    return `throws ${(err as Error).message}`;
  }
};

/** Bytes shaped like protobuf: tags of every wire type, varints of every length, groups, garbage. */
const wireish = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((b) => [b]),
      // a tag: small field numbers with any wire type, and the odd huge one
      fc
        .record({ no: fc.integer({ min: 0, max: 20 }), wt: fc.integer({ min: 0, max: 7 }) })
        .map(({ no, wt }) => [(no << 3) | wt]),
      // a varint of 1 to 12 bytes
      fc.integer({ min: 1, max: 12 }).map((n) => [...Array.from({ length: n - 1 }, () => 0xff), 0x01]),
      // a length prefix and that many bytes (or fewer)
      fc.uint8Array({ maxLength: 6 }).map((b) => [b.length + (b.length % 2), ...b]),
    ),
    { maxLength: 24 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

describe('walkFields', () => {
  it('throws exactly where the strict reader throws, with its message', () => {
    fc.assert(
      fc.property(fc.oneof(wireish, fc.uint8Array({ maxLength: 40 })), (bytes) => {
        expect(outcome(walkFields, bytes)).toBe(outcome(readerWalk, bytes));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['an empty message', ''],
    ['a varint field', '0801'],
    ['a group with a field, then its end', '0b08010c'],
    ['nested groups', '0b13080114' + '0c'],
    ['a tag in five bytes (fits 32 bits)', 'f8ffffff0f01'],
    ['a 64-bit and a 32-bit field', '09' + '00'.repeat(8) + '15' + '00'.repeat(4)],
  ])('accepts %s', (_name, hex) => {
    expect(() => walkFields(Buffer.from(hex, 'hex'))).not.toThrow();
    expect(outcome(readerWalk, Buffer.from(hex, 'hex'))).toBe('ok');
  });

  it.each([
    ['field number 0', '00'],
    ['a stray end group', '0c'],
    ['an end group not matching its start', '0b14'],
    ['an unterminated group', '0b0801'],
    ['groups nested 101 deep', '0b'.repeat(101) + '0c'.repeat(101)],
    ['a tag past 32 bits', 'f8ffffff1f01'],
    ['a varint length of eleven bytes', '0affffffffffffffffffff01'],
    ['a length past the end', '0a05'],
    ['wire type 6', '0e'],
  ])('rejects %s as the reader does', (_name, hex) => {
    const bytes = Buffer.from(hex, 'hex');
    expect(outcome(walkFields, bytes)).toBe(outcome(readerWalk, bytes));
    expect(outcome(walkFields, bytes)).toMatch(/^throws/);
  });
});
