// Protobuf varints of non-negative integers up to 2^53, for the few places that write protobuf bytes
// by hand on a hot path (internal stream frames, a group message's per-member pushes) instead of
// through generated code.

/** Bytes `v` takes as a varint. */
export function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` as a varint at `at`; returns the offset after it. */
export function writeVarint(out: Buffer, at: number, v: number): number {
  while (v >= 128) {
    out[at++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}
