import { ErrorCode } from '@switchboard/proto/client';
import { RpcError } from '@switchboard/rpc';
import { describe, expect, it } from 'vitest';
import type { DeliveryStats, RoomPush } from '../route-port.js';
import { StubLogicRoutePort } from '../stub-route-port.js';
import { OrderedRoomPushes } from './ordered-room-pushes.js';

const stats: DeliveryStats = { delivered: 1, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };

/** A route whose DeliverToRoom calls finish when the test says. */
class SlowRoute extends StubLogicRoutePort {
  /** Each call: the packets it carried, in order. */
  calls: string[][] = [];
  private readonly finishers: Array<(fail: boolean) => void> = [];
  override deliverToRoom(
    appId: string,
    roomId: string,
    packet: Buffer,
    exclude?: unknown,
    more: readonly RoomPush[] = [],
  ): Promise<DeliveryStats> {
    this.calls.push([packet, ...more.map((p) => p.packet)].map((b) => `${roomId}:${b.toString()}`));
    return new Promise((resolve, reject) =>
      this.finishers.push((fail) =>
        fail ? reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'down')) : resolve(stats),
      ),
    );
  }
  finish(call: number, fail = false): void {
    this.finishers[call]!(fail);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('OrderedRoomPushes', () => {
  it('keeps one call per room out, sends what waited meanwhile as one burst in order, rooms side by side', async () => {
    const route = new SlowRoute();
    const pushes = new OrderedRoomPushes(route);
    const done: string[] = [];
    const push = (room: string, name: string) =>
      void pushes.push('app', room, Buffer.from(name), undefined).then(
        () => done.push(name),
        () => done.push(`${name} failed`),
      );
    push('a', '1');
    push('a', '2');
    push('b', '1');
    push('a', '3');
    await tick();
    expect(route.calls).toEqual([['a:1'], ['b:1']]);
    route.finish(0, true);
    await tick();
    expect(route.calls).toEqual([['a:1'], ['b:1'], ['a:2', 'a:3']]);
    push('a', '4');
    route.finish(2);
    route.finish(1);
    await tick();
    expect(route.calls.at(-1)).toEqual(['a:4']);
    route.finish(3);
    await tick();
    expect(done).toEqual(['1 failed', '2', '3', '1', '4']);
    expect(pushes.rooms).toBe(0);
  });
});
