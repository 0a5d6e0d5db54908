// Clients of the bare server (bare-server.ts) of the sign-in storm and the idle-memory baseline:
// a raw `net` or `ws` connection that sends 8 bytes (its index) and must get them back, then
// stays open. `localAddress` (a 127.0.0.x) spreads many connections over source addresses.
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';

/** The bare server's answer: the 8 bytes sent, back. */
function rawHello(index: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(index, 0);
  b.writeUInt32LE(0x5b5b5b5b, 4);
  return b;
}

export async function rawConnect(
  url: string,
  index: number,
  localAddress?: string,
): Promise<{ close(): void; closed(): boolean }> {
  const hello = rawHello(index);
  const u = new URL(url);
  let closed = false;
  if (u.protocol === 'tcp:') {
    const socket: Socket = netConnect({ host: u.hostname, port: Number(u.port), localAddress });
    socket.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => socket.write(hello));
      socket.once('data', (d: Buffer) =>
        d.equals(hello) ? resolve() : reject(new WrongAnswer('echo differs')),
      );
    }).catch((err) => (socket.destroy(), Promise.reject(err)));
    socket.on('error', () => undefined);
    return { close: () => socket.destroy(), closed: () => closed };
  }
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
  ws.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(hello));
    ws.once('message', (d: Buffer) =>
      d.equals(hello) ? resolve() : reject(new WrongAnswer('echo differs')),
    );
  }).catch((err) => (ws.terminate(), Promise.reject(err)));
  ws.on('error', () => undefined);
  return { close: () => ws.terminate(), closed: () => closed };
}

/** An answer that names another user than the one signed in, or a wrong echo. */
export class WrongAnswer extends Error {}
