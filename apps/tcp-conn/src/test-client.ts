// A raw LV-framed TCP client for the integration specs.
import { connect, type Socket } from 'node:net';
import { type Packet, PacketType, SignInRequest } from '@switchboard/proto/client';
import { decodePacket, encodePacketFrame, FrameDecoder } from '@switchboard/protocol';

export class TestClient {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(
    { maxFrameBytes: 16 * 1024 * 1024 },
    {
      onFrame: (frame) => {
        const r = decodePacket(frame);
        if (r.ok) this.packets.push(r.packet);
        this.wake();
      },
    },
  );
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.on('error', () => undefined);
    // Half-open so a client that ended its side still reads the server's DISCONNECT.
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () =>
        resolve(new TestClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(packet: Partial<Packet> & { type: PacketType }): void {
    this.socket.write(
      encodePacketFrame({ requestId: 0, code: 0, message: '', data: Buffer.alloc(0), ...packet }),
    );
  }

  signIn(token = 'good', device = 'd1'): void {
    const data = SignInRequest.encode({
      appId: 'app1',
      userId: 'u1',
      deviceId: device,
      token,
      platform: 't',
      tags: [],
    }).finish();
    this.send({ type: PacketType.PACKET_TYPE_SIGN_IN, requestId: 1, data: Buffer.from(data) });
  }

  /** Waits until a packet matches `pred` and returns it. */
  async next(pred: (p: Packet) => boolean): Promise<Packet> {
    for (;;) {
      const found = this.packets.find(pred);
      if (found) return found;
      if (this.closed) throw new Error('closed before the expected packet');
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async signedIn(token = 'good', device = 'd1'): Promise<Packet> {
    this.signIn(token, device);
    return this.next((p) => p.type === PacketType.PACKET_TYPE_SIGN_IN);
  }

  /** Waits for the server to close the connection. */
  async whenClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Sends a heartbeat and waits for its answer. */
  async ping(requestId: number): Promise<void> {
    this.send({ type: PacketType.PACKET_TYPE_HEARTBEAT, requestId });
    await this.next((p) => p.type === PacketType.PACKET_TYPE_HEARTBEAT && p.requestId === requestId);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
