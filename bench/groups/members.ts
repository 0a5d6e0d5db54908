// Group members as the load generators open them: a Switchboard client signed in over TCP or
// WebSocket, or, for the small-group baseline, a raw `ws` client of the relay (relay-ws.ts).
import { SwitchboardClient, TcpClientTransport, WsClientTransport } from '@switchboard/client/node';
import { testToken } from '@switchboard/testing';
import WebSocket from 'ws';

/** Opens a client (not signed in) on a `tcp://host:port` or `ws://host:port/path` gate URL. */
export async function openGateClient(url: string): Promise<SwitchboardClient> {
  const u = new URL(url);
  const transport =
    u.protocol === 'tcp:'
      ? await TcpClientTransport.connect(u.hostname, Number(u.port))
      : await WsClientTransport.connect(url);
  return new SwitchboardClient(transport);
}

/** Opens a client on a `tcp://host:port` or `ws://host:port/path` URL and signs `userId` in. */
export async function signInMember(
  url: string,
  appId: string,
  secret: string,
  userId: string,
): Promise<SwitchboardClient> {
  const client = await openGateClient(url);
  try {
    await client.signIn({ token: await testToken(appId, userId, secret, '2h', 'bench'), deviceId: 'bench' });
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

// The relay's wire format: every frame starts with a type byte, then uint32 LE fields.
/** Client -> relay: [1][send number][body]. Relay -> sender: [2][send number][seq]. */
export const RELAY_SEND = 1;
export const RELAY_ACK = 2;
/** Relay -> every other member: [3][send number][seq][body], one pre-framed buffer for all. */
export const RELAY_DELIVERY = 3;

/** A member of the raw `ws` relay: sends are numbered; the relay's seq plays conversation_seq. */
export class RelayMember {
  private readonly waiting = new Map<number, (seq: number) => void>();

  private constructor(
    private readonly ws: WebSocket,
    onDelivery: (sendNumber: number, seq: number) => void,
  ) {
    ws.on('message', (data: Buffer) => {
      const n = data.readUInt32LE(1);
      const seq = data.readUInt32LE(5);
      if (data[0] === RELAY_DELIVERY) return onDelivery(n, seq);
      this.waiting.get(n)?.(seq);
      this.waiting.delete(n);
    });
    ws.on('close', () => {
      for (const resolve of this.waiting.values()) resolve(0);
      this.waiting.clear();
    });
  }

  static connect(url: string, onDelivery: (sendNumber: number, seq: number) => void): Promise<RelayMember> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RelayMember(ws, onDelivery)));
      ws.once('error', reject);
    });
  }

  /** Sends message `n`; resolves with the relay's seq for it (0 if the connection closed). */
  send(n: number, body: Buffer): Promise<number> {
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = RELAY_SEND;
    frame.writeUInt32LE(n, 1);
    frame.set(body, 5);
    return new Promise((resolve) => {
      this.waiting.set(n, resolve);
      this.ws.send(frame);
    });
  }

  get closed(): boolean {
    return this.ws.readyState !== WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }
}
