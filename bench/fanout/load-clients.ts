// One benchmark client per server kind. Each resolves once the client is ready for a push (open;
// signed in for Switchboard; connected, hence in the room, for Socket.IO) and hands every pushed
// message to `onMessage` as a Buffer whose tail is the payload's tail (see payload.ts).
import { Message, PacketType, SignInRequest } from '@switchboard/proto/client';
import { decodePacket, encodePacket } from '@switchboard/protocol';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { BENCH_APP_ID, type ServerKind } from './ipc.js';
import { sameTail } from './payload.js';

/** An open client; `close` releases its socket. */
export interface BenchClient {
  close(): void;
}

export type OnMessage = (data: Buffer) => void;

/** How long one client may take to become ready. */
const READY_TIMEOUT_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function openWs(url: string, protocols: string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function connectWs(url: string, onMessage: OnMessage): Promise<BenchClient> {
  const ws = await openWs(url, []);
  ws.on('message', (data: Buffer) => onMessage(data));
  ws.on('error', () => undefined);
  return { close: () => ws.terminate() };
}

async function connectSocketIo(url: string, onMessage: OnMessage): Promise<BenchClient> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  socket.on('m', (data: Buffer | ArrayBuffer) => onMessage(Buffer.isBuffer(data) ? data : Buffer.from(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { close: () => socket.disconnect() };
}

/** Who signs in, and with what token (the fan-out benchmark's fake logic takes `good`). */
export interface SignInAs {
  appId: string;
  userId: string;
  deviceId: string;
  token: string;
}

/** An encoded SIGN_IN request packet (no frame: WebSocket sends it as is, TCP adds the length). */
export function signInPacket(as: SignInAs): Uint8Array {
  const signIn = SignInRequest.encode({ ...as, platform: 'bench', tags: [] }).finish();
  return encodePacket({
    type: PacketType.PACKET_TYPE_SIGN_IN,
    requestId: 1,
    code: 0,
    message: '',
    data: Buffer.from(signIn),
  });
}

/** Undefined when `data` is a SIGN_IN answer that succeeded; else what it was. */
export function signInRefusal(data: Uint8Array): string | undefined {
  const r = decodePacket(data);
  if (r.ok && r.packet.type === PacketType.PACKET_TYPE_SIGN_IN && r.packet.code === 0) return undefined;
  return `sign-in refused: ${r.ok ? `code ${r.packet.code} ${r.packet.message}` : 'bad packet'}`;
}

async function connectSwitchboard(url: string, userId: string, onMessage: OnMessage): Promise<BenchClient> {
  const ws = await openWs(url, ['switchboard.v1']);
  ws.on('error', () => undefined);
  ws.send(signInPacket({ appId: BENCH_APP_ID, userId, deviceId: 'bench', token: 'good' }));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', (data: Buffer) => {
      const refusal = signInRefusal(data);
      if (refusal === undefined) resolve();
      else reject(new Error(refusal));
    });
    ws.once('close', (code) => reject(new Error(`closed (${code}) during sign-in`)));
  });
  ws.on('message', (data: Buffer) => onMessage(data));
  return { close: () => ws.terminate() };
}

/** Opens one client of `kind`; `userId` must be unique per client (Switchboard kicks duplicates). */
export function connectClient(
  kind: ServerKind,
  url: string,
  userId: string,
  onMessage: OnMessage,
): Promise<BenchClient> {
  switch (kind) {
    case 'ws':
      return withTimeout(connectWs(url, onMessage), userId);
    case 'socketio':
      return withTimeout(connectSocketIo(url, onMessage), userId);
    case 'switchboard':
      return withTimeout(connectSwitchboard(url, userId, onMessage), userId);
  }
}

/**
 * Decodes a message fully as a client of `kind` would and checks that the payload it carries ends
 * with the tail the fast path read; the other kinds deliver the payload as the whole message.
 */
export function carriesPayload(kind: ServerKind, data: Buffer): boolean {
  if (kind !== 'switchboard') return true;
  const r = decodePacket(data);
  if (!r.ok || r.packet.type !== PacketType.PACKET_TYPE_MESSAGE) return false;
  return sameTail(data, Message.decode(r.packet.data).content);
}
