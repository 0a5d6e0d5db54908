import type { LogicRoutePort } from '../route-port.js';

type Exclude = { userId: string; deviceId: string } | undefined;

/**
 * Room pushes of one room in the order they were asked for. Concurrent DeliverToRoom calls race
 * (through route to each gate), so a large group's messages, asked for in conversation-seq order,
 * could reach members out of order, and every member would take the reorder for a gap and
 * SYNC_GROUP at once. One call per room at a time keeps the order; rooms do not wait for each other.
 */
export class OrderedRoomPushes {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly route: LogicRoutePort) {}

  /**
   * Pushes after every earlier push of the same room has settled; resolves when this one has, and
   * rejects with its failure (an earlier one's failure does not hold it back).
   */
  push(appId: string, roomId: string, packet: Buffer, exclude: Exclude): Promise<void> {
    const key = `${appId}\u0000${roomId}`;
    const previous = this.tails.get(key);
    const call = async () => void (await this.route.deliverToRoom(appId, roomId, packet, exclude));
    const mine = previous ? previous.then(call, call) : call();
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }

  /** Rooms with a push in flight (for tests and metrics). */
  get rooms(): number {
    return this.tails.size;
  }
}
