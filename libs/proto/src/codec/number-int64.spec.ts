import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberInt64Writer } from './number-int64.js';

const EDGES = [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52, Number.MAX_SAFE_INTEGER];
const bytesOf = (w: BinaryWriter): string => Buffer.from(w.finish()).toString('hex');

describe('NumberInt64Writer', () => {
  it('writes the bytes BinaryWriter writes for every safe integer, signed and unsigned', () => {
    const safe = fc.oneof(fc.constantFrom(...EDGES, ...EDGES.map((v) => -v)), fc.maxSafeInteger());
    fc.assert(
      fc.property(safe, (v) => {
        expect(bytesOf(new NumberInt64Writer().int64(v))).toBe(bytesOf(new BinaryWriter().int64(v)));
        if (v >= 0)
          expect(bytesOf(new NumberInt64Writer().uint64(v))).toBe(bytesOf(new BinaryWriter().uint64(v)));
      }),
    );
  });

  it('leaves bigints, strings and unsafe or invalid numbers to BinaryWriter, errors included', () => {
    for (const v of [2n ** 63n - 1n, '18446744073709551615', 2 ** 60]) {
      expect(bytesOf(new NumberInt64Writer().uint64(v))).toBe(bytesOf(new BinaryWriter().uint64(v)));
    }
    expect(() => new NumberInt64Writer().uint64(-1)).toThrow();
    expect(() => new NumberInt64Writer().uint64(1.5)).toThrow();
    expect(() => new NumberInt64Writer().int64(0.5)).toThrow();
  });
});
