import { WireFormat } from '@switchboard/gate';
import { messagePush } from '@switchboard/gate/testing';
import { PacketType } from '@switchboard/proto/client';
import type { GateServiceClient } from '@switchboard/proto/conn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsConn } from './server.js';
import { Client, deliver, type GateFixture, signInPacket, startFixture } from './test-client.js';

const messages = (c: Client) => c.packets.filter((p) => p.type === PacketType.PACKET_TYPE_MESSAGE);

describe('ws-conn batched writes over real WebSockets', () => {
  let fixture: GateFixture;
  let app: WsConn;
  let url: string;
  let gateClient: GateServiceClient;

  // The default send bound (1 MiB) holds the largest batch below and cuts off the slow reader.
  beforeAll(async () => {
    fixture = await startFixture();
    ({ app, url, gateClient } = fixture);
  });

  afterAll(() => fixture.stop());

  async function signedIn(device: string, protocols?: string[]): Promise<Client> {
    const c = await Client.open(url, protocols);
    c.sendPacket(signInPacket(device));
    await c.next((p) => p.type === PacketType.PACKET_TYPE_SIGN_IN);
    return c;
  }

  const target = (device: string) => {
    const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', device)!;
    return { connId: conn.id, epoch: conn.epoch, userId: 'u1', deviceId: device };
  };

  it('writes a batch of pushes as whole frames, one message each, in order, for binary and JSON clients', async () => {
    const binary = await signedIn('batch-bin');
    const json = await signedIn('batch-json', ['switchboard.v1.json']);
    // Without compression the core hands the transport complete frames.
    expect(app.gate.core.registry.byDeviceOf('app1', 'u1', 'batch-bin')!.format).toBe(WireFormat.WsBinary);
    expect(app.gate.core.registry.byDeviceOf('app1', 'u1', 'batch-json')!.format).toBe(WireFormat.WsText);
    // Body sizes on both sides of each frame-header size (7-bit, 16-bit and 64-bit lengths).
    const sizes = [0, 1, 100, 120, 125, 126, 127, 65_000, 65_535, 65_536, 70_000, 5, 3];
    const targets = [target('batch-bin'), target('batch-json')];
    const res = await deliver(
      gateClient,
      app,
      sizes.map((size, seq) => ({ packet: messagePush(seq, size), targets })),
    );
    expect(res).toEqual({ delivered: 2 * sizes.length, missing: 0 });
    for (const c of [binary, json]) {
      await c.next(() => messages(c).length === sizes.length);
      expect(messages(c).map((p) => [p.message, p.data.length])).toEqual(
        sizes.map((size, seq) => [`${seq}`, size]),
      );
      expect(messages(c).every((p, seq) => p.data.every((b) => b === seq))).toBe(true);
      c.ws.close();
      await c.closed();
    }
  });

  it('cuts off a client that stops reading, counting whole frames against the bound, while another receives every batch in order', async () => {
    const slow = await signedIn('slow');
    const fast = await signedIn('fast');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const targets = [target('slow'), target('fast')];
    let sent = 0;
    while (app.gate.core.counters.slowCloses === 0 && sent < 4_000) {
      // Batches of four 16 KiB pushes per call: each one flush per connection.
      const deliveries = [0, 1, 2, 3].map((i) => ({
        packet: messagePush((sent + i) % 256, 16 * 1024),
        targets,
      }));
      await deliver(gateClient, app, deliveries);
      sent += deliveries.length;
    }
    expect(app.gate.core.counters.slowCloses).toBe(1);
    expect(app.gate.core.registry.byDeviceOf('app1', 'u1', 'slow')).toBeUndefined();
    await fast.next(() => messages(fast).length >= sent);
    expect(messages(fast).map((p) => p.message)).toEqual(
      Array.from({ length: sent }, (_, i) => `${i % 256}`),
    );
    slow.ws.terminate();
    fast.ws.close();
    await fast.closed();
  });
});

describe('ws-conn with permessage-deflate', () => {
  it('leaves framing and compression to ws when the client negotiated it', async () => {
    const fixture = await startFixture({
      ws: { port: 0, path: '/ws', maxPayload: 1024, allowedOrigins: [], perMessageDeflate: true },
    } as never);
    const { app, gateClient } = fixture;
    try {
      const c = await Client.open(fixture.url);
      expect(c.ws.extensions).toContain('permessage-deflate');
      c.sendPacket(signInPacket('deflated'));
      await c.next((p) => p.type === PacketType.PACKET_TYPE_SIGN_IN);
      const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', 'deflated')!;
      expect(conn.format).toBe(WireFormat.Binary);
      const deliveries = [10, 70_000, 20].map((size, seq) => ({
        packet: messagePush(seq, size),
        targets: [{ connId: conn.id, epoch: conn.epoch, userId: 'u1', deviceId: 'deflated' }],
      }));
      await deliver(gateClient, app, deliveries);
      await c.next(() => messages(c).length === 3);
      expect(messages(c).map((p) => [p.message, p.data.length])).toEqual([
        ['0', 10],
        ['1', 70_000],
        ['2', 20],
      ]);
      c.ws.close();
      await c.closed();
    } finally {
      await fixture.stop();
    }
  });
});
