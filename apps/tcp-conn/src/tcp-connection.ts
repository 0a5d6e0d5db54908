import type { Socket } from 'node:net';
import { ErrorCode } from '@switchboard/proto/client';
import type { FrameDecoder } from '@switchboard/protocol';
import {
  Connection,
  type GateCore,
  peerAddress,
  type Transport,
  type WireChunk,
  WireFormat,
} from '@switchboard/gate';
import { foreignProtocolOf } from './foreign-protocol.js';
import { type FrameReader, LentDecoder } from './lent-decoder.js';

const kConnection = Symbol('switchboard.tcpConnection');
type TaggedSocket = Socket & { [kConnection]?: TcpConnection };

/** How long a closing socket may take to flush before it is destroyed (ms). */
const CLOSE_GRACE_MS = 5_000;

/**
 * One TCP (or TLS) client: the gate's Connection and its Transport in one object, which holds its
 * socket and, only while a frame spans chunks (or after decoding failed), a decoder (see
 * LentDecoder). Batches go out via cork/uncork (one writev per flush). What can be derived (peer
 * address) is derived when read, and what every connection of a gateway shares (core, decoder,
 * socket listeners) lives in its {@link TcpAcceptor}.
 */
export class TcpConnection extends Connection implements Transport, FrameReader {
  /** Set only while a frame spans chunks or after decoding failed (see LentDecoder). */
  decoder: FrameDecoder | undefined = undefined;

  constructor(
    id: number,
    readonly socket: Socket,
    now: number,
  ) {
    super(id, now);
  }

  // Answered by the prototype: no fields for them on every connection.
  get transport(): Transport {
    return this;
  }

  get format(): WireFormat {
    return WireFormat.Framed;
  }

  get remoteAddress(): string {
    return peerAddress(this.socket);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
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
    const socket = this.socket;
    // Idempotent without a flag of its own: a close already under way has set the timeout.
    if (socket.destroyed || socket.timeout !== undefined) return;
    this.decoder?.close();
    // A peer that never reads would keep the socket half-closed forever.
    socket.on('timeout', onTimeout);
    socket.setTimeout(CLOSE_GRACE_MS);
    socket.end();
  }

  destroy(): void {
    this.decoder?.close();
    this.socket.destroy();
  }
}

/**
 * Turns the accepted sockets of one gateway into connections of its core. Socket events go to
 * listeners made once per gateway, which find the connection on the socket (`this`): a connection
 * costs no closures and no references to the core or the decoder.
 */
export class TcpAcceptor {
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onEnd: (this: Socket) => void;
  private readonly onClose: (this: Socket) => void;

  constructor(
    private readonly core: GateCore,
    maxFrameBytes: number,
  ) {
    // Frames after the one that closed the connection (same chunk) are dropped by the core.
    const frames = new LentDecoder<TcpConnection>(maxFrameBytes, (conn, frame) => core.receive(conn, frame));
    this.onData = function onData(this: Socket, chunk: Buffer): void {
      const conn = connectionOf(this);
      if (conn.closed) return;
      const error = frames.push(conn, chunk);
      if (error === undefined) return;
      // Before sign-in, bytes that are not framing may be another protocol: say which.
      const foreign = conn.signedIn ? undefined : foreignProtocolOf(chunk);
      if (foreign === undefined) return core.protocolError(conn, error.code, error.message);
      if (foreign.reply) conn.write(foreign.reply);
      core.protocolError(conn, ErrorCode.ERROR_CODE_BAD_FRAME, foreign.message);
    };
    // The server runs with allowHalfOpen, so a client that half-closes after a truncated frame
    // still gets its DISCONNECT BAD_FRAME; a clean end is answered with our own end.
    this.onEnd = function onEnd(this: Socket): void {
      const conn = connectionOf(this);
      const error = conn.closed ? undefined : frames.end(conn);
      if (error) core.protocolError(conn, error.code, error.message);
      else this.end();
    };
    this.onClose = function onClose(this: Socket): void {
      core.transportClosed(connectionOf(this));
    };
  }

  /** Wires a socket to the core; call once right after accept. */
  accept(socket: Socket): TcpConnection {
    const conn = new TcpConnection(this.core.newConnectionId(), socket, this.core.connectionNow());
    (socket as TaggedSocket)[kConnection] = conn;
    socket.setNoDelay(true);
    this.core.openConnection(conn);
    socket.on('data', this.onData);
    dropNoOpEndListener(socket);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', onError);
    return conn;
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

function connectionOf(socket: Socket): TcpConnection {
  return (socket as TaggedSocket)[kConnection]!;
}

// Resets and the like: 'close' follows and releases the connection.
function onError(this: Socket): void {}

function onTimeout(this: Socket): void {
  this.destroy();
}
