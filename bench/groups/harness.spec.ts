import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Round } from '../fanout/round-counter.js';
import { binaryFrame, rawSocket } from '../fanout/ws-frame.js';

describe('binaryFrame', () => {
  const servers: WebSocketServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  it('is a frame a ws client reads back as the payload, for each length encoding', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(wss);
    await new Promise((r) => wss.once('listening', r));
    const payloads = [10, 125, 126, 65535, 65536, 70000].map((n) => Buffer.alloc(n, n % 251));
    wss.once('connection', (ws) => {
      for (const p of payloads) rawSocket(ws).write(binaryFrame(p));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    const got: Buffer[] = [];
    await new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => got.push(data) === payloads.length && resolve()),
    );
    client.terminate();
    expect(got.map((b) => b.length)).toEqual(payloads.map((p) => p.length));
    got.forEach((b, i) => expect(b.equals(payloads[i]!)).toBe(true));
  });
});

describe('Round', () => {
  it('counts a second copy as duplicated, not as a delivery, and finishes on distinct messages only', () => {
    let done = 0;
    const round = new Round(2, 2, () => done++);
    const stamp = process.hrtime.bigint();
    round.record(0, 0, stamp, () => true);
    round.record(0, 0, stamp, () => true);
    round.record(0, 1, stamp, () => true);
    round.record(1, 1, stamp, () => true);
    expect(done).toBe(0);
    round.record(1, 0, stamp, () => false);
    expect(done).toBe(1);
    const r = round.report();
    expect([r.received, r.duplicated, r.outOfOrder, r.invalid, r.latenciesMs.length]).toEqual([
      5, 1, 2, 1, 4,
    ]);
  });

  it('judges order by the caller’s key when one is given', () => {
    const round = new Round(1, 3, () => undefined);
    const stamp = process.hrtime.bigint();
    round.record(0, 2, stamp, () => true, 10);
    round.record(0, 0, stamp, () => true, 11);
    round.record(0, 1, stamp, () => true, 9);
    expect(round.report()).toMatchObject({ received: 3, outOfOrder: 1 });
    const unordered = new Round(1, 2, () => undefined);
    unordered.record(0, 1, stamp, () => true, null);
    unordered.record(0, 0, stamp, () => true, null);
    expect(unordered.report()).toMatchObject({ received: 2, outOfOrder: 0 });
  });

  it('counts sequence numbers outside the round as invalid', () => {
    const round = new Round(1, 1, () => undefined);
    round.record(0, 5, process.hrtime.bigint(), () => true);
    expect(round.report()).toMatchObject({ received: 0, invalid: 1 });
  });
});
