import { decodeDeadGate, decodeRef, decodeRoomRef } from './redis-binding-codec.js';
import { type RedisRouteClient } from './redis-client.js';
import { type RouteKeys } from './redis-keys.js';
import { runScript } from '@switchboard/redis-script';
import { LEAVE_ROOM, UNBIND } from './redis-scripts.js';

/**
 * Deletes what a dead gate incarnation left behind: its bindings (from each user's hash, only where the
 * epoch still matches, so a device that re-bound elsewhere is untouched), its room entries (only where
 * they still carry that incarnation), and its index keys; then drops it from the dead set.
 *
 * Every step is idempotent, so several route instances may clean the same incarnation at once, and one
 * that dies halfway leaves the incarnation in the dead set for the next `expireGates` to finish.
 */
export class RedisGateCleanup {
  constructor(
    private readonly redis: RedisRouteClient,
    private readonly keys: RouteKeys,
    private readonly concurrency: number,
  ) {}

  /** Cleans every incarnation in the dead set. */
  async purgeAllDead(): Promise<void> {
    for (const member of await this.redis.smembers(this.keys.deadGates())) await this.purge(member);
  }

  /** Cleans one dead-set member "<incarnation>:<gateId>". */
  async purge(member: string): Promise<void> {
    const { gateId, incarnation } = decodeDeadGate(member);
    const appsKey = this.keys.gateApps(gateId, incarnation);
    for (const appId of await this.redis.smembers(appsKey)) {
      const indexKey = this.keys.gateBindings(gateId, incarnation, appId);
      await this.#inBatches(await this.redis.smembers(indexKey), async (ref) => {
        const parsed = decodeRef(ref);
        if (parsed === undefined) return;
        await runScript(
          this.redis,
          UNBIND,
          [this.keys.userBindings(appId, parsed.userId)],
          [parsed.deviceId, parsed.epoch],
        );
      });
      await this.redis.del(indexKey);
    }
    const roomsKey = this.keys.gateRooms(gateId, incarnation);
    await this.#inBatches(await this.redis.smembers(roomsKey), async (ref) => {
      const parsed = decodeRoomRef(ref);
      if (parsed === undefined) return;
      await runScript(
        this.redis,
        LEAVE_ROOM,
        [this.keys.room(parsed.appId, parsed.roomId)],
        [gateId, incarnation],
      );
    });
    await this.redis.del(appsKey, roomsKey);
    await this.redis.srem(this.keys.deadGates(), member);
  }

  /** Runs `task` over `items` with at most `concurrency` in flight: a gate can hold tens of thousands of bindings. */
  async #inBatches(items: readonly string[], task: (item: string) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += this.concurrency) {
      await Promise.all(items.slice(i, i + this.concurrency).map(task));
    }
  }
}
