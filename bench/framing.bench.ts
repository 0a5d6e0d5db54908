// Microbenchmark of the TCP framing codec against the naive decoder most IM servers start with.
// Run: npx tsx bench/framing.bench.ts   (about 25 s; results go in docs/benchmarks.md, "Framing codec")
import { cpus } from 'node:os';
import { encodeFrame, FrameDecoder } from '@switchboard/protocol';
import { nsPerOp } from './shared/ns-per-op.js';

const SOCKET_READ_BYTES = 16 * 1024;
const STREAM_BYTES = 8 * 1024 * 1024;
const WARMUP_MS = 400;
const MEASURE_MS = 1500;

interface Measurement {
  /** Operations (frames) per second. */
  readonly opsPerSec: number;
  /** Frame bytes (header included) per second. */
  readonly bytesPerSec: number;
}

/** Runs `round` (which handles `opsPerRound` frames of `bytesPerRound` bytes) for a fixed time. */
function measure(round: () => void, opsPerRound: number, bytesPerRound: number): Measurement {
  const roundsPerSec = 1e9 / nsPerOp(round, { warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
  return { opsPerSec: roundsPerSec * opsPerRound, bytesPerSec: roundsPerSec * bytesPerRound };
}

/** The naive decoder: append every chunk to one buffer with Buffer.concat, then slice frames off. */
class ConcatFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + length) break;
      this.onFrame(this.pending.subarray(4, 4 + length));
      this.pending = this.pending.subarray(4 + length);
    }
  }
}

/** The naive encoder: a header buffer and the body joined with Buffer.concat. */
function concatEncodeFrame(body: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** A stream of frames with `bodyBytes`-byte bodies, cut into socket-sized reads. */
function socketReads(bodyBytes: number): { chunks: Buffer[]; frames: number; bytes: number } {
  const frame = encodeFrame(Buffer.alloc(bodyBytes, 0x5a));
  const frames = Math.floor(STREAM_BYTES / frame.length);
  const stream = Buffer.concat(Array.from({ length: frames }, () => frame));
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < stream.length; pos += SOCKET_READ_BYTES) {
    // Copies, so that each read is its own allocation as it would be from a socket.
    chunks.push(Buffer.from(stream.subarray(pos, pos + SOCKET_READ_BYTES)));
  }
  return { chunks, frames, bytes: stream.length };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

function row(name: string, m: Measurement): string {
  return `| ${name} | ${fmt(m.opsPerSec)} | ${(m.bytesPerSec / 2 ** 20).toFixed(0)} |`;
}

const results: string[] = [];
const ratios: string[] = [];

for (const bodyBytes of [64, 1024]) {
  const { chunks, frames, bytes } = socketReads(bodyBytes);
  const straddling = chunks.length - 1;
  console.log(
    `decode ${bodyBytes} B bodies: ${frames} frames in ${chunks.length} reads of 16 KiB (${straddling} boundaries)`,
  );

  let seen = 0;
  const count = (): void => {
    seen++;
  };
  const ours = measure(
    () => {
      const decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 }, { onFrame: count });
      for (const chunk of chunks) decoder.push(chunk);
    },
    frames,
    bytes,
  );
  console.log(`  FrameDecoder        ${fmt(ours.opsPerSec)} frames/s`);
  const naive = measure(
    () => {
      const decoder = new ConcatFrameDecoder(count);
      for (const chunk of chunks) decoder.push(chunk);
    },
    frames,
    bytes,
  );
  console.log(`  Buffer.concat naive ${fmt(naive.opsPerSec)} frames/s`);
  if (seen % frames !== 0) throw new Error(`decoders lost frames: ${seen} is not a multiple of ${frames}`);
  results.push(
    row(`decode ${bodyBytes} B, FrameDecoder`, ours),
    row(`decode ${bodyBytes} B, Buffer.concat`, naive),
  );
  ratios.push(`decode ${bodyBytes} B: ${(ours.opsPerSec / naive.opsPerSec).toFixed(2)}x`);
}

for (const bodyBytes of [64, 1024]) {
  const body = Buffer.alloc(bodyBytes, 0x5a);
  const batch = 1000;
  const frameBytes = (4 + bodyBytes) * batch;
  console.log(`encode ${bodyBytes} B bodies`);
  let sink = 0;
  const ours = measure(
    () => {
      for (let i = 0; i < batch; i++) sink += encodeFrame(body).length;
    },
    batch,
    frameBytes,
  );
  console.log(`  encodeFrame         ${fmt(ours.opsPerSec)} frames/s`);
  const naive = measure(
    () => {
      for (let i = 0; i < batch; i++) sink += concatEncodeFrame(body).length;
    },
    batch,
    frameBytes,
  );
  console.log(`  Buffer.concat naive ${fmt(naive.opsPerSec)} frames/s`);
  if (sink === 0) throw new Error('encoders produced nothing');
  results.push(
    row(`encode ${bodyBytes} B, encodeFrame`, ours),
    row(`encode ${bodyBytes} B, Buffer.concat`, naive),
  );
  ratios.push(`encode ${bodyBytes} B: ${(ours.opsPerSec / naive.opsPerSec).toFixed(2)}x`);
}

console.log('');
console.log(
  `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`,
);
console.log('');
console.log('| case | frames/s | MiB/s |');
console.log('| --- | ---: | ---: |');
for (const line of results) console.log(line);
console.log('');
console.log(`Ratios (ours / Buffer.concat baseline): ${ratios.join(', ')}`);
