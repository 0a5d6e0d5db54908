import { Packet } from '@switchboard/proto/client-web';
import { errorCodeFromWsClose } from '@switchboard/protocol/catalog';

/** What the SDK sees of the wire: packets in, packets out, and a close with the server's reason code. */
export interface Transport {
  send(packet: Packet): void;
  close(): void;
  onPacket: (packet: Packet) => void;
  /** `code` is the server's ErrorCode when the close carried one (WebSocket 4000 + code), else undefined. */
  onClose: (code: number | undefined) => void;
}

/** Opens a new transport; called for every (re)connect, so it may pick another gateway each time. */
export type Connector = () => Promise<Transport>;

/** The part of the WebSocket API the SDK uses: the browser's global and the `ws` package both fit. */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

/** A WebSocket constructor, e.g. `globalThis.WebSocket` or the `ws` package's. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The protobuf subprotocol (docs/protocol.md §1): one binary message per Packet. */
const SUBPROTOCOL = 'switchboard.v1';

class WebSocketTransport implements Transport {
  onPacket: (packet: Packet) => void = () => {};
  onClose: (code: number | undefined) => void = () => {};

  constructor(private readonly ws: WebSocketLike) {
    ws.onmessage = (event) => {
      const data = event.data;
      // Text frames belong to the JSON subprotocol, which this transport does not ask for.
      if (typeof data === 'string') return;
      let packet: Packet;
      try {
        packet = Packet.decode(new Uint8Array(data as ArrayBuffer));
      } catch {
        ws.close();
        return;
      }
      this.onPacket(packet);
    };
    ws.onclose = (event) => this.onClose(errorCodeFromWsClose(event.code));
  }

  send(packet: Packet): void {
    this.ws.send(Packet.encode(packet).finish());
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * A connector for a `ws://` or `wss://` URL. `WebSocketImpl` defaults to the global WebSocket
 * (browsers, Node 22+); on older Node pass the `ws` package's, as `@switchboard/client/node` does.
 */
export function webSocketConnector(url: string, WebSocketImpl?: WebSocketConstructor): Connector {
  return () =>
    new Promise<Transport>((resolve, reject) => {
      const Impl = WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (Impl === undefined) {
        reject(new Error('no global WebSocket here: pass a WebSocket implementation'));
        return;
      }
      const ws = new Impl(url, SUBPROTOCOL);
      ws.binaryType = 'arraybuffer';
      ws.onerror = () => {};
      ws.onopen = () => resolve(new WebSocketTransport(ws));
      ws.onclose = () => reject(new Error(`could not connect to ${url}`));
    });
}
