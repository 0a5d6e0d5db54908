// Baseline of the small-group benchmark: a bare `ws` server relaying each member's message to
// every other member, as write fan-out with nothing stored. Per message it numbers it (the seq a
// group conversation would give), answers the sender, builds one WebSocket frame and writes that
// same buffer to each other member's socket. Started by run.ts; exits when its parent goes away.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RelayReport } from './ipc.js';
import { RELAY_ACK, RELAY_DELIVERY, RELAY_SEND } from './members.js';
import { binaryFrame, rawSocket } from '../fanout/ws-frame.js';

if (!process.send) throw new Error('started by bench/groups/run.ts (needs an IPC channel)');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise<void>((resolve) => wss.once('listening', resolve));

let seq = 0;
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    if (data[0] !== RELAY_SEND) return;
    const n = data.readUInt32LE(1);
    const s = ++seq;
    const ack = Buffer.allocUnsafe(9);
    ack[0] = RELAY_ACK;
    ack.writeUInt32LE(n, 1);
    ack.writeUInt32LE(s, 5);
    rawSocket(ws).write(binaryFrame(ack));
    const delivery = Buffer.allocUnsafe(data.length + 4);
    delivery[0] = RELAY_DELIVERY;
    delivery.writeUInt32LE(n, 1);
    delivery.writeUInt32LE(s, 5);
    data.copy(delivery, 9, 5);
    const frame = binaryFrame(delivery);
    for (const other of wss.clients) if (other !== ws) rawSocket(other).write(frame);
  });
});
process.on('disconnect', () => process.exit(0));
const ready: RelayReport = { t: 'ready', port: (wss.address() as AddressInfo).port };
process.send(ready);
