import { GRPC_BATCH_TARGET_BYTES } from '@switchboard/rpc';
import type { RoutePort, UserPacket } from './route-port.js';

interface Pending {
  packets: UserPacket[];
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

/**
 * Gathers the pushes made in one tick into one DeliverToUsers call per app, so
 * that a group-commit batch of N sends costs one route call instead of N (route
 * then makes one call per gate). A tick's packets past `maxCallBytes` (default
 * GRPC_BATCH_TARGET_BYTES, well inside the gRPC message limit) go in further calls.
 * Each caller learns whether its pushes were handed to route.
 */
export class PushBatcher {
  private pending = new Map<string, Pending>();
  private scheduled = false;

  constructor(
    private readonly route: RoutePort,
    private readonly maxCallBytes = GRPC_BATCH_TARGET_BYTES,
  ) {}

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
      Promise.all(
        splitByBytes(packets, this.maxCallBytes).map((part) => this.route.deliverToUsers(appId, part)),
      ).then(
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

/** About what a packet adds to a DeliverToUsers request. */
function packetBytes(p: UserPacket): number {
  let n = p.packet.length + 32;
  for (const id of p.userIds) n += id.length * 3 + 2;
  return n;
}

/** Consecutive runs of `packets` of at most `maxBytes` each (a larger packet goes alone). */
export function splitByBytes(packets: UserPacket[], maxBytes: number): UserPacket[][] {
  const parts: UserPacket[][] = [];
  let part: UserPacket[] = [];
  let bytes = 0;
  for (const p of packets) {
    const size = packetBytes(p);
    if (part.length > 0 && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(p);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
