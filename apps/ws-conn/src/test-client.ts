// A WebSocket client and a gateway started against fake upstreams, for the integration specs.
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig, type Config } from '@switchboard/config';
import { startFakeUpstreams, type FakeUpstreams } from '@switchboard/gate/testing';
import { createLogger, memoryDestination, type MemoryDestination } from '@switchboard/log';
import { type Packet, PacketType, SignInRequest } from '@switchboard/proto/client';
import { Delivery, GateServiceClient } from '@switchboard/proto/conn';
import { decodePacket, encodePacket, packetFromJson, packetToJson } from '@switchboard/protocol';
import { call, internalClientOptions } from '@switchboard/rpc';
import WebSocket from 'ws';
import { startWsConn, type WsConn } from './server.js';

export const signInPacket = (device: string): Packet => ({
  type: PacketType.PACKET_TYPE_SIGN_IN,
  requestId: 1,
  code: 0,
  message: '',
  data: Buffer.from(
    SignInRequest.encode({
      appId: 'app1',
      userId: 'u1',
      deviceId: device,
      token: 'good',
      platform: 'web',
      tags: [],
    }).finish(),
  ),
});

/** A WebSocket client collecting decoded packets and the close code. */
export class Client {
  readonly packets: Packet[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const r = isBinary ? decodePacket(data) : packetFromJson(data.toString(), 'to-client');
      if (r.ok) this.packets.push(r.packet);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => undefined);
  }
  static open(url: string, protocols?: string[], headers?: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(url, protocols, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }
  sendPacket(p: Packet): void {
    if (this.ws.protocol === 'switchboard.v1.json') this.ws.send(packetToJson(p, 'to-server'));
    else this.ws.send(encodePacket(p));
  }
  async next(pred: (p: Packet) => boolean): Promise<Packet> {
    for (;;) {
      const found = this.packets.find(pred);
      if (found) return found;
      if (this.closeCode !== undefined)
        throw new Error(`closed (${this.closeCode}) before the expected packet`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  async closed(): Promise<number> {
    while (this.closeCode === undefined) await new Promise<void>((r) => this.waiters.push(r));
    return this.closeCode;
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export async function start(
  upstreams: FakeUpstreams,
  logs: MemoryDestination,
  gate: Partial<Config['gate']> = {},
) {
  const config = loadConfig({
    env: {},
    profile: 'default',
    overrides: {
      gate: {
        grpcPort: 0,
        health: { enabled: false, port: 0 },
        ws: { port: 0, path: '/ws', maxPayload: 1024, allowedOrigins: [] },
        ...gate,
      },
      gateClient: { logicAddress: upstreams.logicAddress, routeAddress: upstreams.routeAddress },
      internal: { secret: upstreams.secret },
    },
  });
  return startWsConn({
    config,
    logger: createLogger({ level: 'info', service: 'ws-conn', destination: logs }),
  });
}

/** A ws-conn on fake upstreams with a GateService client: what a spec starts in its beforeAll. */
export interface GateFixture {
  upstreams: FakeUpstreams;
  app: WsConn;
  logs: MemoryDestination;
  /** The WebSocket URL of the gate. */
  url: string;
  gateClient: GateServiceClient;
  stop(): Promise<void>;
}

export async function startFixture(gate: Partial<Config['gate']> = {}): Promise<GateFixture> {
  const upstreams = await startFakeUpstreams();
  const logs = memoryDestination();
  const app = await start(upstreams, logs, gate);
  const gateClient = gateClientOf(app, upstreams);
  return {
    upstreams,
    app,
    logs,
    url: `ws://127.0.0.1:${app.wsPort}/ws`,
    gateClient,
    stop: async () => {
      gateClient.close();
      await app.stop();
      await upstreams.stop();
    },
  };
}

/** A GateService client of `app`, as route calls it. */
export function gateClientOf(app: WsConn, upstreams: FakeUpstreams): GateServiceClient {
  return new GateServiceClient(
    `127.0.0.1:${app.grpcPort}`,
    credentials.createInsecure(),
    internalClientOptions(upstreams.secret),
  );
}

/** One Deliver call with `deliveries` (packets and their targets) for app1 on `app`. */
export function deliver(
  client: GateServiceClient,
  app: WsConn,
  deliveries: Array<{
    packet: Buffer;
    targets: Array<{ connId: number; epoch: number; userId: string; deviceId: string; seq?: number }>;
    message?: Buffer;
  }>,
) {
  return call(
    client,
    client.deliver,
    {
      appId: 'app1',
      bootId: app.gate.core.bootId,
      deliveries: deliveries.map((d) => Delivery.fromPartial(d)),
    },
    new Metadata(),
    5_000,
  );
}
