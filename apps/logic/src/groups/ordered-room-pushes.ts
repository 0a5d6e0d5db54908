import { INTERNAL_LIMITS } from '@switchboard/rpc';
import type { DeviceExclusion, LogicRoutePort, RoomPush } from '../route-port.js';

interface Waiting extends RoomPush {
  resolve(): void;
  reject(err: unknown): void;
}

interface RoomQueue {
  appId: string;
  roomId: string;
  waiting: Waiting[];
  inFlight: boolean;
}

/** Bytes of packets in one burst: well inside the 16 MiB gRPC message limit. */
const MAX_BURST_BYTES = 4 * 1024 * 1024;

/**
 * Room pushes of one room in the order they were asked for, in bursts. Concurrent DeliverToRoom
 * calls race (through route to each gate), so a large group's messages, asked for in
 * conversation-seq order, could reach members out of order, and every member would take the reorder
 * for a gap and SYNC_GROUP at once. So one call per room is out at a time, and the pushes asked for
 * meanwhile go together in the next call (`more`), in order: each gate then queues them on a
 * connection together and writes them at once, as it did when they arrived side by side. Rooms do
 * not wait for each other.
 */
export class OrderedRoomPushes {
  private readonly queues = new Map<string, RoomQueue>();

  constructor(private readonly route: LogicRoutePort) {}

  /** Resolves once route took the burst carrying this push; rejects with that call's failure. */
  push(appId: string, roomId: string, packet: Buffer, exclude: DeviceExclusion | undefined): Promise<void> {
    const key = `${appId}\u0000${roomId}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { appId, roomId, waiting: [], inFlight: false };
      this.queues.set(key, queue);
    }
    const q = queue;
    return new Promise<void>((resolve, reject) => {
      q.waiting.push({ packet, exclude, resolve, reject });
      if (!q.inFlight) void this.drain(key, q);
    });
  }

  /** Rooms with pushes in flight or waiting (for tests and metrics). */
  get rooms(): number {
    return this.queues.size;
  }

  private async drain(key: string, q: RoomQueue): Promise<void> {
    q.inFlight = true;
    while (q.waiting.length > 0) {
      const burst = takeBurst(q.waiting);
      const [first, ...more] = burst;
      try {
        await this.route.deliverToRoom(q.appId, q.roomId, first!.packet, first!.exclude, more);
        for (const p of burst) p.resolve();
      } catch (err) {
        for (const p of burst) p.reject(err);
      }
    }
    q.inFlight = false;
    this.queues.delete(key);
  }
}

/** The first pushes waiting, as many as one call carries. */
function takeBurst(waiting: Waiting[]): Waiting[] {
  let n = 0;
  let bytes = 0;
  while (
    n < waiting.length &&
    n < INTERNAL_LIMITS.packetsPerRoomPush &&
    (n === 0 || bytes + waiting[n]!.packet.byteLength <= MAX_BURST_BYTES)
  ) {
    bytes += waiting[n]!.packet.byteLength;
    n++;
  }
  return waiting.splice(0, n);
}
