import { loadConfig } from '@switchboard/config';
import { startFakeUpstreams, type FakeUpstreams } from '@switchboard/gate/testing';
import { createLogger, memoryDestination } from '@switchboard/log';
import { PacketType, SendRequest } from '@switchboard/proto/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpConn, type TcpConn } from './server.js';
import { TestClient } from './test-client.js';

// Issue 6: a gate configured with one logic address could not send while that logic was down.
describe('a gate configured with two logic instances', () => {
  let one: FakeUpstreams;
  let two: FakeUpstreams;
  let app: TcpConn;
  let client: TestClient;
  let requestId = 100;

  beforeAll(async () => {
    one = await startFakeUpstreams();
    two = await startFakeUpstreams({ secret: one.secret });
    const config = loadConfig({
      env: {},
      profile: 'default',
      overrides: {
        gate: { grpcPort: 0, tcp: { port: 0 }, health: { enabled: false, port: 0 } },
        gateClient: {
          logicAddress: `${one.logicAddress},${two.logicAddress}`,
          routeAddress: one.routeAddress,
        },
        internal: { secret: one.secret },
      },
    });
    const logger = createLogger({ level: 'silent', service: 'tcp-conn', destination: memoryDestination() });
    app = await startTcpConn({ config, logger });
    client = await TestClient.open(app.tcpPort);
    expect((await client.signedIn('good', 'failover')).code).toBe(0);
  });

  afterAll(async () => {
    client.socket.end();
    await app.stop();
    await one.stop();
    await two.stop();
  });

  async function send(): Promise<number> {
    const id = ++requestId;
    const data = SendRequest.encode({
      clientMsgId: `m${id}`,
      contentType: 'text',
      content: Buffer.from('x'),
    }).finish();
    client.send({ type: PacketType.PACKET_TYPE_SEND, requestId: id, data: Buffer.from(data) });
    return (await client.next((p) => p.requestId === id)).code;
  }

  const sends = (u: FakeUpstreams) => u.calls['send']?.length ?? 0;

  async function sendUntil(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms`);
      expect(await send()).toBe(0);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('spreads sends over both', async () => {
    await sendUntil(() => sends(one) > 0 && sends(two) > 0, 5_000);
  });

  it('keeps every send succeeding while one is down, and sends to it again once it is back', async () => {
    const port = Number(two.logicAddress.split(':')[1]);
    await two.stop();
    const before = sends(one);
    for (let i = 0; i < 20; i++) expect(await send()).toBe(0);
    expect(sends(one) - before).toBe(20);

    two = await startFakeUpstreams({ logicPort: port, secret: one.secret });
    await sendUntil(() => sends(two) > 0, 10_000);
  });
});
