// Baseline: a bare `ws` server; a push is `ws.send(sameBuffer)` to each client, per message. With
// the argument `preframed` (the room and large-group benchmark's baseline, bench/groups/large.ts)
// it builds one WebSocket frame per message and writes that same buffer to every client's socket,
// what a gate's PushRoom does with an encoded packet.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { hostServer } from './server-host.js';
import { binaryFrame, rawSocket } from './ws-frame.js';

const preframed = process.argv[2] === 'preframed';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise<void>((resolve) => wss.once('listening', resolve));

hostServer({
  port: (wss.address() as AddressInfo).port,
  path: '/',
  connections: () => wss.clients.size,
  push(payloads) {
    for (const payload of payloads) {
      if (preframed) {
        const frame = binaryFrame(payload);
        for (const ws of wss.clients) rawSocket(ws).write(frame);
      } else {
        for (const ws of wss.clients) ws.send(payload);
      }
    }
  },
  stop: () => new Promise<void>((resolve) => wss.close(() => resolve())),
});
