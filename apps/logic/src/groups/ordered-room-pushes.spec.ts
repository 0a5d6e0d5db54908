import { ErrorCode } from '@switchboard/proto/client';
import { RpcError } from '@switchboard/rpc';
import { describe, expect, it } from 'vitest';
import type { DeliveryStats } from '../route-port.js';
import { StubLogicRoutePort } from '../stub-route-port.js';
import { OrderedRoomPushes } from './ordered-room-pushes.js';

const stats: DeliveryStats = { delivered: 1, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };

/** A route whose DeliverToRoom calls finish when the test says, in any order. */
class SlowRoute extends StubLogicRoutePort {
  started: string[] = [];
  private readonly finishers = new Map<string, (fail: boolean) => void>();
  override deliverToRoom(appId: string, roomId: string, packet: Buffer): Promise<DeliveryStats> {
    const name = packet.toString();
    this.started.push(name);
    return new Promise((resolve, reject) =>
      this.finishers.set(name, (fail) =>
        fail ? reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'down')) : resolve(stats),
      ),
    );
  }
  finish(name: string, fail = false): void {
    this.finishers.get(name)!(fail);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('OrderedRoomPushes', () => {
  it('sends one push per room at a time, in the order asked, and rooms side by side', async () => {
    const route = new SlowRoute();
    const pushes = new OrderedRoomPushes(route);
    const done: string[] = [];
    for (const name of ['a1', 'a2', 'a3'])
      void pushes.push('app', 'a', Buffer.from(name), undefined).then(
        () => done.push(name),
        () => done.push(`${name} failed`),
      );
    const b1 = pushes.push('app', 'b', Buffer.from('b1'), undefined);
    await tick();
    expect(route.started).toEqual(['a1', 'b1']);
    route.finish('a1', true);
    await tick();
    expect(route.started).toEqual(['a1', 'b1', 'a2']);
    route.finish('a2');
    await tick();
    route.finish('a3');
    route.finish('b1');
    await b1;
    await tick();
    expect(route.started).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(done).toEqual(['a1 failed', 'a2', 'a3']);
    expect(pushes.rooms).toBe(0);
  });
});
