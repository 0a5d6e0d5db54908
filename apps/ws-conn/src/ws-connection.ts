import type { Socket } from 'node:net';
import { ErrorCode } from '@switchboard/proto/client';
import { WS_SUBPROTOCOL_JSON, wsCloseCode } from '@switchboard/protocol';
import {
  Connection,
  type GateCore,
  peerAddress,
  type Transport,
  type WireChunk,
  WireFormat,
} from '@switchboard/gate';
import { WebSocket } from 'ws';

/** Close reasons are limited to 123 bytes by RFC 6455. */
const MAX_REASON_BYTES = 123;

/**
 * ws's WebSocket with a field for its connection (WebSocketServer's `WebSocket` option): declared,
 * so it lives in the object like ws's own fields, where a property added after construction costs
 * every connection an out-of-object property array.
 */
export class GateWebSocket extends WebSocket {
  conn: WsConnection | undefined = undefined;
}

/**
 * One WebSocket client: the gate's Connection and its Transport in one object (one message is one
 * Packet, binary protobuf or proto3 JSON text, by subprotocol). Without compression the core hands
 * over complete frames (built once per packet for every connection, see WireFormat.WsBinary),
 * written to the socket as they are; with it, payloads that `ws` frames and compresses. A flush
 * corks the underlying socket around its writes so a batch of messages leaves in one writev. What
 * every connection of a gateway shares (core, listeners) lives in its {@link WsAcceptor}.
 */
export class WsConnection extends Connection implements Transport {
  /** By subprotocol and by whether permessage-deflate was negotiated, both at the handshake. */
  readonly format: WireFormat;

  constructor(
    id: number,
    readonly ws: GateWebSocket,
    /** The upgraded TCP (or TLS) socket under `ws`, corked around batches. */
    readonly socket: Socket,
    now: number,
  ) {
    super(id, now);
    const json = ws.protocol === WS_SUBPROTOCOL_JSON;
    if (ws.extensions !== '') this.format = json ? WireFormat.Json : WireFormat.Binary;
    else this.format = json ? WireFormat.WsText : WireFormat.WsBinary;
  }

  // Answered by the prototype: no field for it on every connection.
  get transport(): Transport {
    return this;
  }

  get remoteAddress(): string {
    return peerAddress(this.socket);
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
    return this.format === WireFormat.WsBinary || this.format === WireFormat.WsText;
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

/**
 * Turns the upgraded WebSockets of one gateway into connections of its core. Their events go to
 * listeners made once per gateway, which find the connection on the WebSocket (`this`): a
 * connection holds no closures and no reference to the core.
 */
export class WsAcceptor {
  private readonly onMessage: (this: WebSocket, data: Buffer, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket) => void;
  private readonly onError: (this: WebSocket, err: Error & { code?: string }) => void;

  constructor(private readonly core: GateCore) {
    this.onMessage = function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
      core.receive(connectionOf(this), isBinary ? data : data.toString('utf8'));
    };
    this.onClose = function onClose(this: WebSocket): void {
      core.transportClosed(connectionOf(this));
    };
    // ws has already started closing (1009 for a message above maxPayload, 1002 for a protocol
    // error); the core logs the reason with its catalog code. 'close' follows.
    this.onError = function onError(this: WebSocket, err: Error & { code?: string }): void {
      const code =
        err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? ErrorCode.ERROR_CODE_FRAME_TOO_LARGE
          : ErrorCode.ERROR_CODE_BAD_FRAME;
      core.protocolError(connectionOf(this), code, err.message);
    };
  }

  /** Wires an upgraded WebSocket to the core; call once, in handleUpgrade's callback. */
  accept(ws: GateWebSocket, socket: Socket): WsConnection {
    const conn = new WsConnection(this.core.newConnectionId(), ws, socket, this.core.connectionNow());
    ws.conn = conn;
    this.core.openConnection(conn);
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    ws.on('error', this.onError);
    return conn;
  }
}

// ws's listener types say WebSocket; every one this gateway accepts is a GateWebSocket.
function connectionOf(ws: WebSocket): WsConnection {
  return (ws as GateWebSocket).conn!;
}

function truncate(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  return Buffer.from(reason)
    .subarray(0, MAX_REASON_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}
