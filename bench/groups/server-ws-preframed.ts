// Baseline of the room and large-group fan-out benchmark: a bare `ws` server that, for each
// payload, builds one WebSocket frame and writes that same buffer to every client's socket — what
// a gate's PushRoom does with an encoded packet, with nothing else around it. Hosted like the
// fan-out benchmark's servers (../fanout/server-host.ts).
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { hostServer } from '../fanout/server-host.js';
import { binaryFrame, rawSocket } from './ws-frame.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise<void>((resolve) => wss.once('listening', resolve));

hostServer({
  port: (wss.address() as AddressInfo).port,
  path: '/',
  connections: () => wss.clients.size,
  push(payloads) {
    for (const payload of payloads) {
      const frame = binaryFrame(payload);
      for (const ws of wss.clients) rawSocket(ws).write(frame);
    }
  },
  stop: () => new Promise<void>((resolve) => wss.close(() => resolve())),
});
