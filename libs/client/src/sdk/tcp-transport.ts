import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Packet } from '@switchboard/proto/client-web';
import { encodeFrame, FrameDecoder, type FrameSink } from '@switchboard/protocol';
import type { Connector, Transport } from './transport.js';

/** TCP with LV frames (docs/protocol.md §1), for Node. */
class TcpTransport implements Transport, FrameSink {
  onPacket: (packet: Packet) => void = () => {};
  onClose: (code: number | undefined) => void = () => {};
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 16 * 1024 * 1024 }, this);

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.decoder.push(chunk)) socket.destroy();
    });
    socket.on('close', () => this.onClose(undefined));
    socket.on('error', () => {});
  }

  onFrame(frame: Buffer): void {
    let packet: Packet;
    try {
      packet = Packet.decode(frame);
    } catch {
      this.socket.destroy();
      return;
    }
    this.onPacket(packet);
  }

  send(packet: Packet): void {
    this.socket.write(encodeFrame(Packet.encode(packet).finish()));
  }

  close(): void {
    this.socket.end();
    // A peer that never answers the FIN must not keep the client from reconnecting.
    this.socket.setTimeout(1_000, () => this.socket.destroy());
  }
}

/** A connector for `tcp://host:port` (or TLS with `tls`, e.g. `{ ca }` for a private CA). */
export function tcpConnector(host: string, port: number, tls?: ConnectionOptions): Connector {
  return () =>
    new Promise<Transport>((resolve, reject) => {
      const socket = tls ? tlsConnect({ host, port, servername: host, ...tls }) : netConnect({ host, port });
      socket.setNoDelay(true);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        resolve(new TcpTransport(socket));
      });
      socket.once('error', reject);
    });
}
