// The frames of switchboard.rpc.v1.InternalStreamService (proto/switchboard/rpc/v1/stream.proto),
// encoded and decoded by hand because they are the hot path: an encode allocates one Buffer of the
// exact size and copies the payload once, a decode returns the payload as a view of the received
// bytes (ts-proto's code copies a bytes field on each side, twice on encode). The wire format is
// the proto's; frame-codec.spec.ts checks it against the generated code.

import { varintLength, writeVarint } from '@switchboard/protocol/varint';

/** A request frame: one unary call. */
export interface RequestFrame {
  id: number;
  method: string;
  payload: Buffer;
  /** Unix ms; 0 when the frame carries none. */
  deadline: number;
}

/** A reply frame: the answer to request `id`, or (id 0) a drain. */
export interface ReplyFrame {
  id: number;
  payload: Buffer;
  /** gRPC status code; 0 is OK. */
  status: number;
  details: string;
  metadata: Array<[string, string]>;
  drain: boolean;
}

const EMPTY = Buffer.alloc(0);
const TWO_63 = 2 ** 63;

/** A negative int64 as protobuf writes it: ten bytes of two's complement (exact only as a BigInt). */
function writeNegative(buf: Buffer, pos: number, v: number): number {
  let bits = BigInt.asUintN(64, BigInt(Math.trunc(v)));
  while (bits >= 128n) {
    buf[pos++] = Number(bits & 127n) | 128;
    bits >>= 7n;
  }
  buf[pos++] = Number(bits);
  return pos;
}

/** A field's key: number and wire type. */
const key = (field: number, wire: number): number => (field << 3) | wire;

/** The encoded size of a length-delimited field of `length` bytes. */
const delimited = (length: number): number => 1 + varintLength(length) + length;

/**
 * Encodes a request frame. `method` is the path, already encoded (each client encodes its paths
 * once).
 */
export function encodeRequest(id: number, method: Buffer, payload: Buffer, deadline: number): Buffer {
  const size =
    1 +
    varintLength(id) +
    delimited(method.length) +
    delimited(payload.length) +
    (deadline === 0 ? 0 : 1 + (deadline < 0 ? 10 : varintLength(deadline)));
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  buf[pos++] = key(1, 0);
  pos = writeVarint(buf, pos, id);
  buf[pos++] = key(2, 2);
  pos = writeVarint(buf, pos, method.length);
  pos += method.copy(buf, pos);
  buf[pos++] = key(3, 2);
  pos = writeVarint(buf, pos, payload.length);
  pos += payload.copy(buf, pos);
  if (deadline !== 0) {
    buf[pos++] = key(4, 0);
    if (deadline < 0) writeNegative(buf, pos, deadline);
    else writeVarint(buf, pos, deadline);
  }
  return buf;
}

/** Encodes a reply frame; `metadata` only on errors, `drain` only with id 0. */
export function encodeReply(
  id: number,
  payload: Buffer,
  status = 0,
  details = '',
  metadata: ReadonlyArray<readonly [string, string]> = [],
  drain = false,
): Buffer {
  const detailsLength = details === '' ? 0 : Buffer.byteLength(details);
  let size = (id === 0 ? 0 : 1 + varintLength(id)) + (payload.length === 0 ? 0 : delimited(payload.length));
  if (status !== 0) size += 1 + varintLength(status);
  if (detailsLength !== 0) size += delimited(detailsLength);
  const entries = metadata.map(([k, v]) => {
    const kl = Buffer.byteLength(k);
    const vl = Buffer.byteLength(v);
    const inner = delimited(kl) + delimited(vl);
    size += delimited(inner);
    return { k, v, kl, vl, inner };
  });
  if (drain) size += 2;
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  if (id !== 0) {
    buf[pos++] = key(1, 0);
    pos = writeVarint(buf, pos, id);
  }
  if (payload.length !== 0) {
    buf[pos++] = key(2, 2);
    pos = writeVarint(buf, pos, payload.length);
    pos += payload.copy(buf, pos);
  }
  if (status !== 0) {
    buf[pos++] = key(3, 0);
    pos = writeVarint(buf, pos, status);
  }
  if (detailsLength !== 0) {
    buf[pos++] = key(4, 2);
    pos = writeVarint(buf, pos, detailsLength);
    pos += buf.write(details, pos);
  }
  for (const e of entries) {
    buf[pos++] = key(5, 2);
    pos = writeVarint(buf, pos, e.inner);
    buf[pos++] = key(1, 2);
    pos = writeVarint(buf, pos, e.kl);
    pos += buf.write(e.k, pos);
    buf[pos++] = key(2, 2);
    pos = writeVarint(buf, pos, e.vl);
    pos += buf.write(e.v, pos);
  }
  if (drain) {
    buf[pos++] = key(6, 0);
    buf[pos++] = 1;
  }
  return buf;
}

/** A malformed frame; `id` is set when the frame got as far as naming one. */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly id = 0,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Reads protobuf fields off a Buffer without copying. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new FrameError('truncated varint');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * mul;
      if (b < 128) return value;
      mul *= 128;
    }
    throw new FrameError('varint too long');
  }

  /** An int64: values written as ten-byte two's complement come back negative. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v < TWO_63) return v;
    // Past 2^53 a number is not exact: read the bits again as a BigInt.
    let bits = 0n;
    for (let i = this.pos - 1; i >= start; i--) bits = (bits << 7n) | BigInt(this.buf[i]! & 0x7f);
    return Number(BigInt.asIntN(64, bits));
  }

  /** The bounds of a length-delimited field. */
  delimited(): number {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new FrameError('truncated field');
    this.pos = start + length;
    return start;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.delimited();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new FrameError(`wire type ${wire}`);
    if (this.pos > this.end) throw new FrameError('truncated field');
  }
}

/** Decodes a request frame; throws a {@link FrameError} (with the id, once read) when malformed. */
export function decodeRequest(buf: Buffer): RequestFrame {
  const r = new Reader(buf, 0, buf.length);
  const frame: RequestFrame = { id: 0, method: '', payload: EMPTY, deadline: 0 };
  try {
    while (r.pos < r.end) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 1 && wire === 0) frame.id = r.varint();
      else if (field === 2 && wire === 2) {
        const start = r.delimited();
        frame.method = buf.toString('utf8', start, r.pos);
      } else if (field === 3 && wire === 2) {
        const start = r.delimited();
        frame.payload = buf.subarray(start, r.pos);
      } else if (field === 4 && wire === 0) frame.deadline = r.int64();
      else r.skip(wire);
    }
  } catch (err) {
    throw new FrameError((err as Error).message, frame.id);
  }
  return frame;
}

/** Decodes a reply frame; throws a {@link FrameError} when malformed. */
export function decodeReply(buf: Buffer): ReplyFrame {
  const r = new Reader(buf, 0, buf.length);
  const frame: ReplyFrame = { id: 0, payload: EMPTY, status: 0, details: '', metadata: [], drain: false };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === 0) frame.id = r.varint();
    else if (field === 2 && wire === 2) {
      const start = r.delimited();
      frame.payload = buf.subarray(start, r.pos);
    } else if (field === 3 && wire === 0) frame.status = r.varint();
    else if (field === 4 && wire === 2) {
      const start = r.delimited();
      frame.details = buf.toString('utf8', start, r.pos);
    } else if (field === 5 && wire === 2) {
      const start = r.delimited();
      frame.metadata.push(mapEntry(buf, start, r.pos));
    } else if (field === 6 && wire === 0) frame.drain = r.varint() !== 0;
    else r.skip(wire);
  }
  return frame;
}

function mapEntry(buf: Buffer, start: number, end: number): [string, string] {
  const r = new Reader(buf, start, end);
  let k = '';
  let v = '';
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === key(1, 2)) {
      const s = r.delimited();
      k = buf.toString('utf8', s, r.pos);
    } else if (tag === key(2, 2)) {
      const s = r.delimited();
      v = buf.toString('utf8', s, r.pos);
    } else r.skip(tag & 7);
  }
  return [k, v];
}
