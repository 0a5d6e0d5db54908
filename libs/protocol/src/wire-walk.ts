/**
 * Walks the fields of protobuf bytes and throws where `@bufbuild/protobuf`'s strict tag reader
 * (`BinaryReader.tag()` then `skip()` per field) throws: field number 0, wire types 6 and 7, an end
 * group outside a group or not matching its start, groups nested past 100, a tag past 32 bits, a
 * length past 32 bits, and any field running past the end. The reader allocates an array per tag
 * and a view per skipped field; this walks the bytes with no allocation, once per packet on the
 * gates' hot path (strict-decode.ts).
 */
export function walkFields(buf: Uint8Array): void {
  let pos = 0;
  while (pos < buf.length) pos = skipField(buf, pos);
}

/** Reads the tag at `pos`, then skips its value; returns where the next field starts. */
function skipField(buf: Uint8Array, pos: number): number {
  pos = readTag(buf, pos);
  return skipValue(buf, pos, lastTag & 7, lastTag >>> 3, 100);
}

/**
 * The tag {@link readTag} read last: module state rather than a returned pair, so that the walk
 * allocates nothing (it is synchronous and never re-entered).
 */
let lastTag = 0;

/** Reads a tag at `pos` into {@link lastTag}, as the reader's `tag()` checks it; returns where it ends. */
function readTag(buf: Uint8Array, pos: number): number {
  const start = pos;
  pos = skipVarint32(buf, pos);
  if (pos - start > 5 || (pos - start === 5 && buf[pos - 1]! > 0x0f))
    throw new Error('illegal tag: varint overflows uint32');
  const tag = readVarint32(buf, start);
  if (tag >>> 3 <= 0 || (tag & 7) > 5)
    throw new Error(`illegal tag: field no ${tag >>> 3} wire type ${tag & 7}`);
  lastTag = tag;
  return pos;
}

function skipValue(buf: Uint8Array, pos: number, wireType: number, fieldNo: number, depth: number): number {
  switch (wireType) {
    case 0: // varint: any length, as the reader's skip takes it
      while (buf[pos++]! & 0x80) {
        // the continuation bits
      }
      break;
    case 1: // 64-bit
      pos += 8;
      break;
    case 5: // 32-bit
      pos += 4;
      break;
    case 2: {
      const lengthStart = pos;
      pos = skipVarint32(buf, pos);
      pos += readVarint32(buf, lengthStart);
      break;
    }
    case 3: {
      if (depth <= 0) throw new Error('maximum recursion depth reached');
      // Fields until the matching end group (wire type 4), which the group's skip consumes.
      for (;;) {
        pos = readTag(buf, pos);
        const innerNo = lastTag >>> 3;
        const innerType = lastTag & 7;
        if (innerType === 4) {
          if (innerNo !== fieldNo) throw new Error('invalid end group tag');
          break;
        }
        pos = skipValue(buf, pos, innerType, innerNo, depth - 1);
      }
      break;
    }
    default: // 4: an end group with no group open
      throw new Error(`cant skip wire type ${wireType}`);
  }
  if (pos > buf.length) throw new RangeError('premature EOF');
  return pos;
}

/**
 * Where a 32-bit varint at `pos` ends, as the reader's `uint32()` reads it: at most ten bytes (the
 * bits past 32 dropped), else 'invalid varint'; past the end of `buf`, 'premature EOF'.
 */
function skipVarint32(buf: Uint8Array, pos: number): number {
  for (let read = 1; ; read++) {
    const b = buf[pos++];
    if (b === undefined) throw new RangeError('premature EOF');
    if ((b & 0x80) === 0) return pos;
    if (read >= 10) throw new Error('invalid varint');
  }
}

/** The value of the 32-bit varint at `pos` (already bounded by {@link skipVarint32}). */
function readVarint32(buf: Uint8Array, pos: number): number {
  let result = 0;
  for (let shift = 0; shift < 32; shift += 7) {
    const b = buf[pos++]!;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
  }
  return result >>> 0;
}
