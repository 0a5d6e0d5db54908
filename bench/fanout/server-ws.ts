// Baseline: a bare `ws` server; a push is `ws.send(sameBuffer)` to each client, per message.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { hostServer } from './server-host.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise<void>((resolve) => wss.once('listening', resolve));

hostServer({
  port: (wss.address() as AddressInfo).port,
  path: '/',
  connections: () => wss.clients.size,
  push(payloads) {
    for (const payload of payloads) for (const ws of wss.clients) ws.send(payload);
  },
  stop: () => new Promise<void>((resolve) => wss.close(() => resolve())),
});
