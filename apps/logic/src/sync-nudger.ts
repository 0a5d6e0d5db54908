import { PacketType } from '@switchboard/proto/client';
import { asBuffer, encodePacket, pushPacket } from '@switchboard/protocol';
import type { Counters } from '@switchboard/metrics';
import type { LogicCounter } from './logic-metrics.js';
import type { LogicRoutePort } from './route-port.js';

/** Options of {@link SyncNudger}. */
export interface SyncNudgerOptions {
  /** How often pending nudges are sent. Default 1 s. */
  intervalMs?: number;
  /** How long a user is nudged before giving up (its devices will have reconnected and synced). Default 60 s. */
  maxAgeMs?: number;
  /** Most users waiting for a nudge, over all apps; more are dropped and counted. Default 100,000. */
  maxPending?: number;
  /** Users per DeliverToUsers call. Default 1,000. */
  batchSize?: number;
  now?: () => number;
}

/** The SYNC_HINT push, the same bytes for everyone. */
const SYNC_HINT = asBuffer(encodePacket(pushPacket(PacketType.PACKET_TYPE_SYNC_HINT)));

/**
 * Tells online devices to sync when a push meant for them was given up: the message is stored, but a
 * connected, idle device would otherwise only learn of it at its next message or reconnect. Users
 * collect here (per app, deduplicated, bounded) and get one SYNC_HINT push each through route, retried
 * every interval until route reaches their gates or `maxAgeMs` passes.
 */
export class SyncNudger {
  readonly #route: LogicRoutePort;
  readonly #counters: Counters<LogicCounter>;
  readonly #intervalMs: number;
  readonly #maxAgeMs: number;
  readonly #maxPending: number;
  readonly #batchSize: number;
  readonly #now: () => number;
  /** appId -> userId -> when the user was first queued. */
  #pending = new Map<string, Map<string, number>>();
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(route: LogicRoutePort, counters: Counters<LogicCounter>, options: SyncNudgerOptions = {}) {
    this.#route = route;
    this.#counters = counters;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#maxPending = options.maxPending ?? 100_000;
    this.#batchSize = options.batchSize ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  /** Users waiting for a nudge. */
  get size(): number {
    return this.#size;
  }

  /** Queues users whose pushes were lost; starts the timer while there is work. */
  add(appId: string, userIds: Iterable<string>): void {
    let users = this.#pending.get(appId);
    if (users === undefined) this.#pending.set(appId, (users = new Map()));
    const now = this.#now();
    for (const userId of userIds) {
      if (users.has(userId)) continue;
      if (this.#size >= this.#maxPending) {
        this.#counters.add('sync_nudges_dropped');
        continue;
      }
      users.set(userId, now);
      this.#size++;
    }
    if (users.size === 0) this.#pending.delete(appId);
    if (this.#size > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Sends one round of nudges now (the timer calls this); resolves when the round is over. */
  flush(): Promise<void> {
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #round(): Promise<void> {
    const now = this.#now();
    for (const [appId, users] of [...this.#pending]) {
      for (const [userId, since] of users) {
        if (now - since >= this.#maxAgeMs) {
          this.#remove(appId, userId);
          this.#counters.add('sync_nudges_expired');
        }
      }
      const waiting = [...users.keys()];
      for (let i = 0; i < waiting.length; i += this.#batchSize) {
        const batch = waiting.slice(i, i + this.#batchSize);
        try {
          const stats = await this.#route.deliverToUsers(appId, [{ userIds: batch, packet: SYNC_HINT }]);
          const unreached = new Set(stats.unreachedUserIds);
          let reached = 0;
          for (const userId of batch) {
            if (unreached.has(userId)) continue;
            this.#remove(appId, userId);
            reached++;
          }
          this.#counters.add('sync_nudges', reached);
        } catch {
          // Route is still unreachable: keep them for the next round.
        }
      }
    }
    if (this.#size === 0) this.stop();
  }

  #remove(appId: string, userId: string): void {
    const users = this.#pending.get(appId);
    if (!users?.delete(userId)) return;
    this.#size--;
    if (users.size === 0) this.#pending.delete(appId);
  }
}
