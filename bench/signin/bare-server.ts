// Baseline of the sign-in storm: a bare server with nothing behind it, a raw `ws` server and a raw
// `net` server in one process. Each connection sends one small message (8 bytes) and gets it back;
// the connection then stays open, idle, until the client closes it. What it costs is connection
// setup (TCP handshake, for `ws` the HTTP upgrade) and one round trip: the floor under a sign-in.
// Started by run.ts; exits when its parent goes away.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { BareReport } from './ipc.js';

if (!process.send) throw new Error('started by bench/signin/run.ts (needs an IPC channel)');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 });
await new Promise<void>((resolve) => wss.once('listening', resolve));
wss.on('connection', (ws) => {
  ws.once('message', (data: Buffer) => ws.send(data));
  ws.on('error', () => undefined);
});
const tcp = createServer((socket) => {
  socket.once('data', (data) => socket.write(data));
  socket.on('error', () => undefined);
});
await new Promise<void>((resolve) => tcp.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
process.on('disconnect', () => process.exit(0));
const ready: BareReport = {
  t: 'ready',
  tcpPort: (tcp.address() as AddressInfo).port,
  wsPort: (wss.address() as AddressInfo).port,
};
process.send(ready);
