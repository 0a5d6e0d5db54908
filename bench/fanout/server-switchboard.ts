// Switchboard: the ws-conn gateway (gate core, WebSocket transport, real gRPC hops to fake logic
// and route in a child process). Clients sign in; a push is one `gate.fanout.broadcast` per
// message, the call route makes on a gate for an app-wide broadcast.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@switchboard/config';
import { createLogger } from '@switchboard/log';
import { Message, PacketType } from '@switchboard/proto/client';
import { encodePacket, pushPacket } from '@switchboard/protocol';
import { startWsConn } from '@switchboard/ws-conn/server';
import { Child } from './child.js';
import { BENCH_APP_ID, type UpstreamsReport } from './ipc.js';
import { hostServer } from './server-host.js';
import { tailSeq } from './payload.js';

const PATH = '/ws';

// Inherits this process's CPU affinity; it is busy only while clients sign in.
const upstreamsProc = Child.start<never, UpstreamsReport>(
  'upstreams',
  fileURLToPath(new URL('./upstreams.ts', import.meta.url)),
  [],
);
const upstreams = await upstreamsProc.next('upstreams', 60_000);
const config = loadConfig({
  env: {},
  profile: 'embedded',
  overrides: {
    log: { level: 'silent', pretty: false },
    gate: {
      grpcPort: 0,
      ws: { port: 0, path: PATH, allowedOrigins: [] },
      // Idle clients send no heartbeats during the run; keep them well clear of the timeout.
      heartbeatIntervalMs: 600_000,
      heartbeatTimeoutMs: 1_200_000,
      signInTimeoutMs: 120_000,
      sendQueueMaxBytes: 16 * 1024 * 1024,
    },
    gateClient: { logicAddress: upstreams.logicAddress, routeAddress: upstreams.routeAddress },
    internal: { secret: upstreams.secret },
  },
});
const app = await startWsConn({ config, logger: createLogger({ level: 'silent', service: 'ws-conn' }) });

/**
 * The Packet a client gets: a MESSAGE whose Message carries the payload as `content`. Fields after
 * `content` (sent_at, conversation_seq, client_msg_id) stay at their defaults, so they are not
 * encoded and the payload is the last bytes of the WebSocket message, as for the other kinds.
 */
function messagePacket(seq: number, payload: Buffer): Uint8Array {
  const data = Message.encode({
    messageId: seq + 1,
    seq: seq + 1,
    contentType: 'application/octet-stream',
    content: payload,
    sentAt: 0,
    conversationSeq: 0,
    clientMsgId: '',
  }).finish();
  return encodePacket(pushPacket(PacketType.PACKET_TYPE_MESSAGE, data));
}

hostServer({
  port: app.wsPort,
  path: PATH,
  connections: () => app.gate.core.registry.signedInCount,
  push(payloads) {
    for (const payload of payloads)
      app.gate.fanout.broadcast(BENCH_APP_ID, messagePacket(tailSeq(payload), payload));
  },
  async stop() {
    await app.stop();
    upstreamsProc.proc.kill();
  },
});
