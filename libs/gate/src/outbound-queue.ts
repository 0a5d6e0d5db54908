import type { Connection } from './connection.js';
import type { GateCounters } from './metrics.js';
import type { WireChunk } from './transport.js';

/** Schedules one callback for after the current I/O phase; `setImmediate` in production. */
export type Scheduler = (run: () => void) => void;

/**
 * The gate's outbound path. Chunks for a connection are queued on the connection and written in
 * ONE `write` / `writeMany` per connection per tick (the per-socket write call is the cost, not
 * the bytes).
 *
 * Backpressure policy: a connection whose queued plus transport-buffered bytes would exceed
 * `maxBytes` is handed to `onOverflow` (the gate cuts it off as SLOW_CONSUMER) and the chunk is
 * dropped; enqueueing never waits, so one slow reader never delays delivery to the others.
 */
export class OutboundQueue {
  private dirty: Connection[] = [];
  private scheduled = false;
  private readonly flushAllBound = () => this.flushAll();

  constructor(
    private readonly maxBytes: number,
    private readonly counters: GateCounters,
    private readonly onOverflow: (conn: Connection) => void,
    private readonly schedule: Scheduler = setImmediate,
  ) {}

  /** Queues `chunk` for `conn`; false when the connection is closed or was just cut off. */
  enqueue(conn: Connection, chunk: WireChunk): boolean {
    if (conn.closed) return false;
    const size = chunk.length;
    if (conn.pendingBytes + size + conn.transport.bufferedAmount > this.maxBytes) {
      this.onOverflow(conn);
      return false;
    }
    if (conn.pending === undefined) {
      this.dirty.push(conn);
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(this.flushAllBound);
      }
    }
    this.append(conn, chunk);
    return true;
  }

  /**
   * Adds `chunk` to what is queued for `conn` without the bound check or a scheduled flush: for the
   * goodbye packet written by an immediate {@link flush} before a close.
   */
  append(conn: Connection, chunk: WireChunk): void {
    const pending = conn.pending;
    if (pending === undefined) conn.pending = chunk;
    else if (Array.isArray(pending)) pending.push(chunk);
    else conn.pending = [pending, chunk];
    conn.pendingBytes += chunk.length;
  }

  /** Writes what is queued for one connection now (before a close). */
  flush(conn: Connection): void {
    const pending = conn.pending;
    if (pending === undefined) return;
    const bytes = conn.pendingBytes;
    conn.pending = undefined;
    conn.pendingBytes = 0;
    if (conn.closed) return;
    if (Array.isArray(pending)) {
      conn.transport.writeMany(pending);
      this.counters.packetsOut += pending.length;
    } else {
      conn.transport.write(pending);
      this.counters.packetsOut++;
    }
    this.counters.bytesOut += bytes;
  }

  /** Drops what is queued for a connection that is being destroyed. */
  discard(conn: Connection): void {
    conn.pending = undefined;
    conn.pendingBytes = 0;
  }

  /** Writes every queued connection once. */
  flushAll(): void {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (const conn of dirty) this.flush(conn);
  }
}
