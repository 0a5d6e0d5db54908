// Lean Switchboard clients for the idle-memory benchmark: a socket, one SIGN_IN, then nothing. No
// client library (its per-connection state would only cost the load processes memory), and a
// source address of the caller's choice (`localAddress`, a 127.0.0.x), so that tens of thousands
// of connections and a churn of sign-ins do not run out of ephemeral ports.
import { connect as netConnect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '@switchboard/protocol';
import WebSocket from 'ws';
import { signInPacket, signInRefusal, type SignInAs } from '../fanout/load-clients.js';

/** An open, signed-in connection. */
export interface HeldConnection {
  close(): void;
  closed(): boolean;
}

function settle(ok: () => void, fail: (err: Error) => void, answer: Uint8Array): void {
  const refusal = signInRefusal(answer);
  if (refusal === undefined) ok();
  else fail(new Error(refusal));
}

async function overWs(url: string, as: SignInAs, localAddress: string): Promise<HeldConnection> {
  const ws = new WebSocket(url, ['switchboard.v1'], { perMessageDeflate: false, localAddress });
  let closed = false;
  ws.on('close', () => (closed = true));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed (${code}) during sign-in`)));
    ws.once('open', () => ws.send(signInPacket(as)));
    ws.once('message', (data: Buffer) => settle(resolve, reject, data));
  }).catch((err: unknown) => (ws.terminate(), Promise.reject(err)));
  return { close: () => ws.terminate(), closed: () => closed };
}

async function overTcp(url: string, as: SignInAs, localAddress: string): Promise<HeldConnection> {
  const u = new URL(url);
  const socket: Socket = netConnect({ host: u.hostname, port: Number(u.port), localAddress });
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    // The first frame is the answer; anything after it (pushes) is read and dropped.
    let answered = false;
    const decoder = new FrameDecoder(
      { maxFrameBytes: 1 << 20 },
      {
        onFrame: (frame: Buffer) => {
          if (answered) return;
          answered = true;
          settle(resolve, reject, frame);
        },
      },
    );
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed during sign-in')));
    socket.once('connect', () => socket.write(encodeFrame(signInPacket(as))));
  }).catch((err: unknown) => (socket.destroy(), Promise.reject(err)));
  return { close: () => socket.destroy(), closed: () => closed };
}

/** Opens a `tcp://` or `ws://` gate connection from `localAddress` and signs in `as`. */
export function signInFrom(url: string, as: SignInAs, localAddress: string): Promise<HeldConnection> {
  return url.startsWith('tcp:') ? overTcp(url, as, localAddress) : overWs(url, as, localAddress);
}

/** The source address of connection `index`: 127.0.0.2 to 127.0.0.251 in turn. */
export function sourceAddress(index: number): string {
  return `127.0.0.${2 + (index % 250)}`;
}
