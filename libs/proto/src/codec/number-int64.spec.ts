import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { Message } from '../client.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberInt64Reader, NumberInt64Writer } from './number-int64.js';

const EDGES = [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52, Number.MAX_SAFE_INTEGER];
const bytesOf = (w: BinaryWriter): string => Buffer.from(w.finish()).toString('hex');
const anyInt64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const anyUint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

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

describe('NumberInt64Reader', () => {
  it('reads every 64-bit value as the number BinaryReader gives, or its bigint beyond 2^53', () => {
    fc.assert(
      fc.property(anyInt64, anyUint64, (i, u) => {
        const bytes = new BinaryWriter().int64(i).uint64(u).finish();
        const ours = new NumberInt64Reader(bytes);
        const base = new BinaryReader(bytes);
        for (const read of ['int64', 'uint64'] as const) {
          const expected = base[read]();
          const got = ours[read]();
          const bigValue = BigInt(expected);
          if (bigValue >= -BigInt(Number.MAX_SAFE_INTEGER) && bigValue <= BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(got).toBe(Number(bigValue));
          } else {
            expect(got).toBe(expected);
          }
        }
        expect(ours.pos).toBe(bytes.length);
      }),
    );
  });

  it('decodes a generated message to the same values', () => {
    const m = Message.create({
      messageId: 2 ** 40 + 3,
      seq: 7,
      sentAt: 1_764_000_000_000,
      conversationSeq: 2 ** 53 - 1,
    });
    const bytes = Message.encode(m).finish();
    expect(Message.decode(new NumberInt64Reader(bytes))).toEqual(Message.decode(bytes));
  });
});
