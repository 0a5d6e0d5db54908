// Peer: Socket.IO 4 over WebSocket only; every client joins one room and a push is one room emit
// of the payload Buffer per message (Socket.IO sends a binary event as two WebSocket frames).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { hostServer } from './server-host.js';

const ROOM = 'all';
const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  void socket.join(ROOM);
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

hostServer({
  port: (http.address() as AddressInfo).port,
  path: '/socket.io/',
  connections: () => io.sockets.adapter.rooms.get(ROOM)?.size ?? 0,
  push(payloads) {
    for (const payload of payloads) io.to(ROOM).emit('m', payload);
  },
  stop: () => new Promise<void>((resolve) => void io.close(() => resolve())),
});
