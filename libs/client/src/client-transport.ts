import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import { type Packet } from '@switchboard/proto/client';
import {
  decodePacket,
  encodePacket,
  encodePacketFrame,
  errorCodeFromWsClose,
  FrameDecoder,
  packetFromJson,
  packetToJson,
  WS_SUBPROTOCOL_JSON,
  WS_SUBPROTOCOL_PROTOBUF,
  type FrameSink,
} from '@switchboard/protocol';

/** What the client sees of the wire: packets in, packets out, and a close with a reason code. */
export interface ClientTransport {
  send(packet: Packet): void;
  close(): void;
  onPacket: (packet: Packet) => void;
  /** `code` is the server's ErrorCode when it gave one (WS close 4000+code), else undefined. */
  onClose: (code: number | undefined) => void;
}

/** TCP with LV frames. */
export class TcpClientTransport implements ClientTransport, FrameSink {
  onPacket: (packet: Packet) => void = () => {};
  onClose: (code: number | undefined) => void = () => {};
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 16 * 1024 * 1024 }, this);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.decoder.push(chunk)) socket.destroy();
    });
    socket.on('close', () => this.onClose(undefined));
    socket.on('error', () => {});
  }

  /** Connects over plain TCP, or over TLS when `tls` is given (e.g. `{ ca }` for a private CA). */
  static connect(host: string, port: number, tls?: ConnectionOptions): Promise<TcpClientTransport> {
    return new Promise((resolve, reject) => {
      const socket = tls ? tlsConnect({ host, port, servername: host, ...tls }) : netConnect({ host, port });
      socket.setNoDelay(true);
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve(new TcpClientTransport(socket)));
      socket.once('error', reject);
    });
  }

  onFrame(frame: Buffer): void {
    const r = decodePacket(frame);
    // A packet of a type this client does not know (e.g. the server's answer to a request of an
    // unknown type) still reaches the request it answers.
    if (r.packet) this.onPacket(r.packet);
  }

  send(packet: Packet): void {
    this.socket.write(encodePacketFrame(packet));
  }

  close(): void {
    this.socket.end();
  }
}

/** WebSocket, protobuf (`switchboard.v1`) or JSON (`switchboard.v1.json`). */
export class WsClientTransport implements ClientTransport {
  onPacket: (packet: Packet) => void = () => {};
  onClose: (code: number | undefined) => void = () => {};

  private constructor(
    readonly ws: WebSocket,
    private readonly json: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const r = isBinary ? decodePacket(data) : packetFromJson(data.toString('utf8'), 'to-client');
      if (r.packet) this.onPacket(r.packet);
    });
    ws.on('close', (code: number) => this.onClose(errorCodeFromWsClose(code)));
    ws.on('error', () => {});
  }

  /** Connects to a `ws://` or `wss://` URL; `ca` trusts a private CA for wss. */
  static connect(
    url: string,
    options: { json?: boolean; origin?: string; ca?: string | Buffer } = {},
  ): Promise<WsClientTransport> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.json ? WS_SUBPROTOCOL_JSON : WS_SUBPROTOCOL_PROTOBUF, {
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      });
      ws.once('open', () => resolve(new WsClientTransport(ws, options.json ?? false)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(packet: Packet): void {
    if (this.json) this.ws.send(packetToJson(packet, 'to-server'));
    else this.ws.send(encodePacket(packet));
  }

  close(): void {
    this.ws.close();
  }
}
