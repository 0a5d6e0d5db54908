import type { RoutePort, UserPacket } from './route-port.js';

interface Pending {
  packets: UserPacket[];
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

/**
 * Gathers the pushes made in one tick into one DeliverToUsers call per app, so
 * that a group-commit batch of N sends costs one route call instead of N (route
 * then makes one call per gate). Each caller learns whether its pushes were
 * handed to route.
 */
export class PushBatcher {
  private pending = new Map<string, Pending>();
  private scheduled = false;

  constructor(private readonly route: RoutePort) {}

  push(appId: string, packets: UserPacket[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let entry = this.pending.get(appId);
      if (!entry) {
        entry = { packets: [], waiters: [] };
        this.pending.set(appId, entry);
      }
      entry.packets.push(...packets);
      entry.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    for (const [appId, { packets, waiters }] of pending) {
      this.route.deliverToUsers(appId, packets).then(
        () => {
          for (const w of waiters) w.resolve();
        },
        (err: unknown) => {
          for (const w of waiters) w.reject(err);
        },
      );
    }
  }
}
