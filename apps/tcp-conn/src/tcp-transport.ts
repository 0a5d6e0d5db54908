import type { Socket } from 'node:net';
import type { FrameDecoder } from '@switchboard/protocol';
import type { FrameReader, LentDecoder } from './lent-decoder.js';
import {
  type Connection,
  type GateCore,
  type Transport,
  type WireChunk,
  WireFormat,
} from '@switchboard/gate';

const kTransport = Symbol('switchboard.tcpTransport');
type TaggedSocket = Socket & { [kTransport]?: TcpTransport };

/** How long a closing socket may take to flush before it is destroyed (ms). */
const CLOSE_GRACE_MS = 5_000;

/**
 * A gate Transport over one TCP (or TLS) socket: LV frames in via the gateway's LentDecoder,
 * batches out via cork/uncork (one writev per flush). Socket events go to shared module-level
 * listeners that find the transport on the socket, so a connection costs no closures; the wire
 * format and the peer address are derived when read rather than kept per connection, and a
 * connection at a frame boundary holds no decoder.
 */
export class TcpTransport implements Transport, FrameReader {
  /** Set only while a frame spans chunks or after decoding failed (see LentDecoder). */
  decoder: FrameDecoder | undefined = undefined;
  conn: Connection | undefined;
  closing = false;

  constructor(
    readonly socket: Socket,
    readonly core: GateCore,
    readonly frames: LentDecoder,
  ) {
    // Node keeps the peer address on the socket once read; read it while the socket is connected
    // so that a log line after the peer has gone still shows it.
    void socket.remoteAddress;
  }

  get format(): WireFormat {
    return WireFormat.Framed;
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? 0}`;
  }

  /** Wires the socket to the core; call once right after accept. */
  attach(): Connection {
    const socket = this.socket as TaggedSocket;
    socket[kTransport] = this;
    socket.setNoDelay(true);
    this.conn = this.core.open(this);
    socket.on('data', onData);
    dropNoOpEndListener(socket);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    return this.conn;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  onFrame(frame: Buffer): void {
    // Frames after the one that closed the connection (same chunk) are dropped.
    if (!this.closing) this.core.receive(this.conn!, frame);
  }

  write(chunk: WireChunk): void {
    const socket = this.socket;
    if (!socket.destroyed && socket.writable) socket.write(chunk);
  }

  writeMany(chunks: readonly WireChunk[]): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.decoder?.close();
    // A peer that never reads would keep the socket half-closed forever.
    this.socket.on('timeout', onTimeout);
    this.socket.setTimeout(CLOSE_GRACE_MS);
    this.socket.end();
  }

  destroy(): void {
    this.closing = true;
    this.decoder?.close();
    this.socket.destroy();
  }
}

/**
 * Node's own 'end' listener on every socket only acts when `allowHalfOpen` is off. The gateway runs
 * with it on, so without that listener ours is the socket's only one: a function rather than an
 * array of two (about 64 bytes per connection). Left alone when it is not the listener expected.
 */
function dropNoOpEndListener(socket: Socket): void {
  if (!socket.allowHalfOpen || socket.listenerCount('end') !== 1) return;
  const listener = socket.listeners('end')[0] as (...args: unknown[]) => void;
  if (listener.name === 'onReadableStreamEnd') socket.removeListener('end', listener);
}

function transportOf(socket: Socket): TcpTransport {
  return (socket as TaggedSocket)[kTransport]!;
}

function onData(this: Socket, chunk: Buffer): void {
  const t = transportOf(this);
  if (t.closing) return;
  const error = t.frames.push(t, chunk);
  if (error) t.core.protocolError(t.conn!, error.code, error.message);
}

// The server runs with allowHalfOpen, so a client that half-closes after a truncated frame still
// gets its DISCONNECT BAD_FRAME; a clean end is answered with our own end.
function onEnd(this: Socket): void {
  const t = transportOf(this);
  const error = t.closing ? undefined : t.frames.end(t);
  if (error) t.core.protocolError(t.conn!, error.code, error.message);
  else this.end();
}

function onClose(this: Socket): void {
  const t = transportOf(this);
  t.core.transportClosed(t.conn!);
}

// Resets and the like: 'close' follows and releases the connection.
function onError(this: Socket): void {}

function onTimeout(this: Socket): void {
  this.destroy();
}
