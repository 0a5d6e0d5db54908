// @bufbuild/protobuf's BinaryWriter with the 64-bit integer fields of the generated code (ids,
// seqs, times: ts-proto's forceLong=number) written from plain numbers. The base class goes
// through a BigInt for every such field (BigInt(value), a DataView and an object of two words), and
// every push and request carries several. Values outside the safe integer range, and anything but a
// number, take the base class's path, with its errors.
import { BinaryWriter } from '@bufbuild/protobuf/wire';

const TWO_32 = 4294967296;

/** The private part of the base class used here; the spec compares the bytes with its own. */
interface WriterInternals {
  writeVarint64(lo: number, hi: number): void;
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
