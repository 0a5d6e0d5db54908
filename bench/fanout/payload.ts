// The benchmark payload: `bytes` bytes whose last 12 bytes are the message's sequence number in the
// burst (uint32 LE) and the burst's send stamp (hrtime nanoseconds, uint64 LE). Every server kind
// delivers the payload as the last bytes of the WebSocket message (Switchboard puts it as the last
// field of the last field, see server-switchboard.ts), so every client reads the same tail without
// decoding, and client-side cost is the same for the three kinds.

const TAIL_BYTES = 12;

/** Builds payload number `seq` of a burst: `bytes` bytes (>= 12) stamped with `stampNs`. */
export function makePayload(seq: number, bytes: number, stampNs: bigint): Buffer {
  const buf = Buffer.alloc(bytes, 0x61);
  buf.writeUInt32LE(seq, bytes - TAIL_BYTES);
  buf.writeBigUInt64LE(stampNs, bytes - 8);
  return buf;
}

/** The sequence number in the tail of a received message. */
export function tailSeq(data: Buffer): number {
  return data.readUInt32LE(data.length - TAIL_BYTES);
}

/** The send stamp in the tail of a received message. */
export function tailStamp(data: Buffer): bigint {
  return data.readBigUInt64LE(data.length - 8);
}

/** True when `data` ends with `payload`'s tail. */
export function sameTail(data: Uint8Array, payload: Uint8Array): boolean {
  if (data.length < TAIL_BYTES || payload.length < TAIL_BYTES) return false;
  return (
    Buffer.compare(data.subarray(data.length - TAIL_BYTES), payload.subarray(payload.length - TAIL_BYTES)) ===
    0
  );
}
