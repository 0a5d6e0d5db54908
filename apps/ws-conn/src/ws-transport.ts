import type { Socket } from 'node:net';
import { ErrorCode } from '@switchboard/proto/client';
import { WS_SUBPROTOCOL_JSON, wsCloseCode } from '@switchboard/protocol';
import {
  type Connection,
  type GateCore,
  peerAddress,
  type Transport,
  type WireChunk,
  WireFormat,
} from '@switchboard/gate';
import type { WebSocket } from 'ws';

const kTransport = Symbol('switchboard.wsTransport');
type TaggedWs = WebSocket & { [kTransport]?: WsTransport };

/** Close reasons are limited to 123 bytes by RFC 6455. */
const MAX_REASON_BYTES = 123;

/**
 * A gate Transport over one WebSocket: one message is one Packet (binary protobuf or proto3 JSON
 * text, by subprotocol). Without compression the core hands over complete frames (built once per
 * packet for every connection, see WireFormat.WsBinary), written to the socket as they are; with
 * it, payloads that `ws` frames and compresses. A flush corks the underlying socket around its
 * writes so a batch of messages leaves in one writev. Listeners are shared module-level functions
 * (no closures per connection), and what can be derived (wire format, peer address) is derived
 * when read rather than kept per connection.
 */
export class WsTransport implements Transport {
  conn: Connection | undefined;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded TCP (or TLS) socket under `ws`, corked around batches. */
    readonly socket: Socket,
    readonly core: GateCore,
  ) {}

  /**
   * By subprotocol and by whether permessage-deflate was negotiated, both at the handshake; read
   * once, when the core opens the connection.
   */
  get format(): WireFormat {
    const json = this.ws.protocol === WS_SUBPROTOCOL_JSON;
    if (this.ws.extensions !== '') return json ? WireFormat.Json : WireFormat.Binary;
    return json ? WireFormat.WsText : WireFormat.WsBinary;
  }

  get remoteAddress(): string {
    return peerAddress(this.socket);
  }

  attach(): Connection {
    (this.ws as TaggedWs)[kTransport] = this;
    this.conn = this.core.open(this);
    this.ws.on('message', onMessage);
    this.ws.on('close', onClose);
    this.ws.on('error', onError);
    return this.conn;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(chunk: WireChunk): void {
    if (!this.writable()) return;
    // Whole frames go past ws's Sender, which without compression writes each frame at once too
    // (it queues only while compressing), so its control frames never interleave with these.
    if (this.framed()) this.socket.write(chunk);
    else this.ws.send(chunk);
  }

  writeMany(chunks: readonly WireChunk[]): void {
    if (!this.writable()) return;
    const framed = this.framed();
    const socket = this.socket;
    socket.cork();
    for (const chunk of chunks) {
      if (framed) socket.write(chunk);
      else this.ws.send(chunk);
    }
    socket.uncork();
  }

  private writable(): boolean {
    const ws = this.ws;
    return ws.readyState === ws.OPEN && !this.socket.destroyed;
  }

  /** Whether the core hands this connection whole frames (see {@link format}). */
  private framed(): boolean {
    const format = this.conn!.format;
    return format === WireFormat.WsBinary || format === WireFormat.WsText;
  }

  close(code: ErrorCode, reason: string): void {
    const ws = this.ws;
    if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) return;
    ws.close(wsCloseCode(code), truncate(reason));
  }

  destroy(): void {
    this.ws.terminate();
  }
}

function truncate(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  return Buffer.from(reason)
    .subarray(0, MAX_REASON_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}

function transportOf(ws: WebSocket): WsTransport {
  return (ws as TaggedWs)[kTransport]!;
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const t = transportOf(this);
  t.core.receive(t.conn!, isBinary ? data : data.toString('utf8'));
}

function onClose(this: WebSocket): void {
  const t = transportOf(this);
  t.core.transportClosed(t.conn!);
}

// ws has already started closing (1009 for a message above maxPayload, 1002 for a protocol error);
// the core logs the reason with its catalog code. 'close' follows.
function onError(this: WebSocket, err: Error & { code?: string }): void {
  const t = transportOf(this);
  const code =
    err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
      ? ErrorCode.ERROR_CODE_FRAME_TOO_LARGE
      : ErrorCode.ERROR_CODE_BAD_FRAME;
  t.core.protocolError(t.conn!, code, err.message);
}
