// The arithmetic of the idle-memory report: per-connection figures from readings taken before and
// after a gate (or bare server) took its connections, and the goals of issue 9 they are held to.
import type { MemoryReading } from '../shared/inspector.js';

/** RSS and heap one connection costs, bytes: the growth over `connections`. */
export function perConnection(
  before: MemoryReading,
  after: MemoryReading,
  connections: number,
): MemoryReading {
  if (connections <= 0) return { rss: Number.NaN, heap: Number.NaN };
  return { rss: (after.rss - before.rss) / connections, heap: (after.heap - before.heap) / connections };
}

/** A reading's RSS without V8's young generation (see {@link MemoryReading.young}). */
function withoutYoung(m: MemoryReading): MemoryReading {
  return { rss: m.rss - (m.young ?? 0), heap: m.heap };
}

/**
 * Per connection from the middle reading (half the connections held) to the last, young
 * generation left out of both RSS readings: what the goals are judged on. The first half takes the
 * one-off costs (code compiled, pools and tables sized, the allocator's first arenas); after a full
 * GC the young generation is empty, and the pages V8 keeps committed for it follow its sizing
 * heuristics, not the connections (they moved RSS by several MiB between runs of the same server).
 */
export function steadyPerConnection(
  mid: MemoryReading,
  idle: MemoryReading,
  connections: number,
): MemoryReading {
  return perConnection(withoutYoung(mid), withoutYoung(idle), connections);
}

/**
 * Per connection from `mid` to `idle`: V8's committed heap plus glibc's main arena (brk), the two
 * places a connection's memory lives, without what else is resident (pages V8 or the allocator
 * keep free, which the second half of the connections can reuse). A cross-check on RSS.
 */
export function accountedPerConnection(mid: MemoryReading, idle: MemoryReading, connections: number): number {
  const brk = (m: MemoryReading) => m.mappings?.['brk'] ?? 0;
  return ((idle.committed ?? 0) - (mid.committed ?? 0) + brk(idle) - brk(mid)) / connections;
}

/** Connections opened before the middle reading, and after it. */
export function secondHalf(total: number): { first: number; second: number } {
  const first = Math.floor(total / 2);
  return { first, second: total - first };
}

/** Issue 9's bounds: RSS per connection against the raw server's, heap within 0.5 KiB of it. */
export const GOALS = { wsRss: 1.15, tcpRss: 1.3, heapBytes: 512, churn: 1.3 } as const;

/** Whether a gate's per-connection figures meet the goal against the raw server of its transport. */
export function meetsIdleGoal(gate: MemoryReading, raw: MemoryReading, rssBound: number): boolean {
  return gate.rss <= rssBound * raw.rss && gate.heap - raw.heap <= GOALS.heapBytes;
}

/** Splits `total` connections over `loads` processes: each one's first index and count. */
export function shares(total: number, loads: number): Array<{ offset: number; count: number }> {
  const per = Math.ceil(total / loads);
  return Array.from({ length: loads }, (_, i) => ({
    offset: i * per,
    count: Math.max(0, Math.min(per, total - i * per)),
  }));
}
