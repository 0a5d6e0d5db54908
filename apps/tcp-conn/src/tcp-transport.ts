import type { Socket } from 'node:net';
import { FrameDecoder, type FrameSink } from '@switchboard/protocol';
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
 * A gate Transport over one TCP (or TLS) socket: LV frames in via the protocol FrameDecoder,
 * batches out via cork/uncork (one writev per flush). Socket events go to shared module-level
 * listeners that find the transport on the socket, so a connection costs no closures; the wire
 * format and the peer address are derived when read rather than kept per connection.
 */
export class TcpTransport implements Transport, FrameSink {
  readonly decoder: FrameDecoder;
  conn: Connection | undefined;
  private closing = false;

  constructor(
    readonly socket: Socket,
    readonly core: GateCore,
    maxFrameBytes: number,
  ) {
    // Node keeps the peer address on the socket once read; read it while the socket is connected
    // so that a log line after the peer has gone still shows it.
    void socket.remoteAddress;
    this.decoder = new FrameDecoder({ maxFrameBytes }, this);
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
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.on('timeout', onTimeout);
    return this.conn;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  onFrame(frame: Buffer): void {
    const conn = this.conn!;
    this.core.receive(conn, frame);
    if (conn.closed) this.decoder.close();
  }

  writeMany(chunks: readonly WireChunk[]): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    if (chunks.length === 1) {
      socket.write(chunks[0]!);
      return;
    }
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.decoder.close();
    // A peer that never reads would keep the socket half-closed forever.
    this.socket.setTimeout(CLOSE_GRACE_MS);
    this.socket.end();
  }

  destroy(): void {
    this.closing = true;
    this.decoder.close();
    this.socket.destroy();
  }
}

function transportOf(socket: Socket): TcpTransport {
  return (socket as TaggedSocket)[kTransport]!;
}

function onData(this: Socket, chunk: Buffer): void {
  const t = transportOf(this);
  const error = t.decoder.push(chunk);
  if (error) t.core.protocolError(t.conn!, error.code, error.message);
}

// The server runs with allowHalfOpen, so a client that half-closes after a truncated frame still
// gets its DISCONNECT BAD_FRAME; a clean end is answered with our own end.
function onEnd(this: Socket): void {
  const t = transportOf(this);
  const error = t.decoder.end();
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
