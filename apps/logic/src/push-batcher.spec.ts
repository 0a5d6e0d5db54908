import { describe, expect, it } from 'vitest';
import { PushBatcher, splitByBytes } from './push-batcher.js';
import type { RoutePort, UserPacket } from './route-port.js';

const packet = (bytes: number, user = 'u'): UserPacket => ({ userIds: [user], packet: Buffer.alloc(bytes) });

class RecordingRoute implements RoutePort {
  calls: UserPacket[][] = [];
  async bind() {
    return { epoch: 1 };
  }
  async deliverToUsers(_appId: string, packets: UserPacket[]) {
    this.calls.push(packets);
    return { delivered: packets.length, failedGates: 0 };
  }
  close() {}
}

describe('PushBatcher', () => {
  it("gathers a tick's pushes into one call while they fit", async () => {
    const route = new RecordingRoute();
    const batcher = new PushBatcher(route, 10_000);
    await Promise.all([batcher.push('a', [packet(100)]), batcher.push('a', [packet(100), packet(100)])]);
    expect(route.calls.map((c) => c.length)).toEqual([3]);
  });

  it('splits a tick larger than maxCallBytes into several calls, in order, and resolves every push', async () => {
    const route = new RecordingRoute();
    const batcher = new PushBatcher(route, 10_000);
    const pushes = Array.from({ length: 10 }, (_, i) => batcher.push('a', [packet(3_000, `u${i}`)]));
    await Promise.all(pushes);
    expect(route.calls.length).toBeGreaterThan(1);
    expect(route.calls.flat().map((p) => p.userIds[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => `u${i}`),
    );
    for (const call of route.calls) {
      expect(call.reduce((n, p) => n + p.packet.length, 0)).toBeLessThanOrEqual(10_000);
    }
  });
});

describe('splitByBytes', () => {
  it('puts a packet larger than the bound alone', () => {
    expect(splitByBytes([packet(50), packet(500), packet(50)], 200).map((p) => p.length)).toEqual([1, 1, 1]);
    expect(splitByBytes([], 200)).toEqual([]);
  });
});
