// @bufbuild/protobuf's BinaryWriter and BinaryReader with the 64-bit integer fields of the
// generated code (ids, seqs, times: ts-proto's forceLong=number) done in plain numbers. The base
// classes go through a BigInt for every such field — written: BigInt(value), a DataView and an
// object of two words; read: a BigInt that ts-proto's longToNumber turns into a string and parses.
// Every push and request carries several of them. Values outside the safe integer range, and
// anything but a number on the way in, take the base classes' path, with their errors.
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

const TWO_32 = 4294967296;
/** The high word of the largest safe integer, 2^53 - 1. */
const SAFE_HI = 0x1fffff;

/** The private parts of the base classes used here; the specs compare bytes and values with theirs. */
interface WriterInternals {
  writeVarint64(lo: number, hi: number): void;
}
interface ReaderInternals {
  varint64(): void;
  varint64Lo: number;
  varint64Hi: number;
}

export class NumberInt64Writer extends BinaryWriter {
  override uint64(value: string | number | bigint): this {
    if (typeof value !== 'number' || !(value >= 0 && value <= Number.MAX_SAFE_INTEGER) || value % 1 !== 0)
      return super.uint64(value);
    // A varint of a value below 2^32 is the same bytes whatever its declared width.
    if (value < TWO_32) return this.uint32(value);
    const lo = value >>> 0;
    (this as unknown as WriterInternals).writeVarint64(lo, (value - lo) / TWO_32);
    return this;
  }

  override int64(value: string | number | bigint): this {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return super.int64(value);
    if (value >= 0 && value < TWO_32) return this.uint32(value);
    // Two's complement: the low word modulo 2^32, the high word signed.
    (this as unknown as WriterInternals).writeVarint64(value >>> 0, Math.floor(value / TWO_32) | 0);
    return this;
  }
}

/**
 * Its `uint64()` and `int64()` answer a number, not the declared `bigint | string`: the generated
 * decoders only pass the value to `longToNumber`, which takes anything with a `toString()`.
 */
export class NumberInt64Reader extends BinaryReader {
  override uint64(): bigint | string {
    const start = this.pos;
    const self = this as unknown as ReaderInternals;
    self.varint64();
    const hi = self.varint64Hi >>> 0;
    if (hi > SAFE_HI) {
      this.pos = start;
      return super.uint64();
    }
    return (hi * TWO_32 + (self.varint64Lo >>> 0)) as unknown as string;
  }

  override int64(): bigint | string {
    const start = this.pos;
    const self = this as unknown as ReaderInternals;
    self.varint64();
    const hi = self.varint64Hi | 0;
    if (hi > SAFE_HI || hi < -SAFE_HI) {
      this.pos = start;
      return super.int64();
    }
    return (hi * TWO_32 + (self.varint64Lo >>> 0)) as unknown as string;
  }
}
