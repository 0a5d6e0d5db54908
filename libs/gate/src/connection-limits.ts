import type { Connection } from './connection.js';
import type { GateCounters } from './metrics.js';
import type { GateSettings } from './settings.js';
import { fillBucket, takeToken, type RateLimit, type TokenBucketState } from '@switchboard/rpc';
import type { Transport } from './transport.js';

/** How often buckets that have refilled are forgotten (ms). */
const PRUNE_EVERY_MS = 10_000;

/**
 * The limits on what connections may hold of a gate: how many it holds (in all and per IP address),
 * how fast one address may open them, and how many rooms one connection joins. Each refusal is
 * counted; the per-address state exists only while a limit that needs it is set.
 */
export class ConnectionLimits {
  private readonly maxConnections: number;
  private readonly maxPerIp: number;
  private readonly maxRooms: number;
  /** IP address -> open connections from it; kept only when maxConnectionsPerIp is set. */
  private readonly perIp = new Map<string, number>();
  /**
   * The address each open connection was counted under, kept only when maxConnectionsPerIp is
   * set: a transport need not know its peer's address once it has closed.
   */
  private readonly ipOf = new Map<Transport, string>();
  /** New connections per second and burst from one address; undefined when not limited. */
  private readonly connectRate: RateLimit | undefined;
  /** IP address -> its connect-rate bucket; forgotten once refilled. */
  private readonly connectBuckets = new Map<string, TokenBucketState>();
  private lastPrune = 0;

  constructor(
    settings: Pick<
      GateSettings,
      'maxConnections' | 'maxConnectionsPerIp' | 'maxRoomsPerConnection' | 'connectRatePerIp'
    >,
    private readonly counters: GateCounters,
  ) {
    this.maxConnections = settings.maxConnections ?? 100_000;
    this.maxPerIp = settings.maxConnectionsPerIp ?? 0;
    this.maxRooms = settings.maxRoomsPerConnection ?? 64;
    const rate = settings.connectRatePerIp;
    this.connectRate =
      rate && rate.perSecond > 0
        ? { packetsPerSecond: rate.perSecond, burst: Math.max(1, rate.burst) }
        : undefined;
  }

  /**
   * A connection arrives while the gate holds `open` others: why it must be closed at once, or
   * undefined. It counts toward its address either way, so every call is matched by {@link release}
   * when the connection goes.
   */
  admit(transport: Transport, open: number, now: number): string | undefined {
    // The address string is built only when a per-address limit is set (and then once).
    const ip = this.connectRate !== undefined || this.maxPerIp > 0 ? ipOf(transport) : '';
    const tooFast = this.connectRate !== undefined && !this.takeConnectToken(ip, now);
    let fromIp = 0;
    if (this.maxPerIp > 0) {
      this.ipOf.set(transport, ip);
      fromIp = this.countIp(ip, 1);
    }
    const reason = tooFast
      ? 'connecting too fast from this address; back off'
      : open >= this.maxConnections
        ? 'this gateway is full; try again later'
        : fromIp > this.maxPerIp
          ? 'too many connections from this address'
          : undefined;
    if (reason !== undefined) this.counters.connectionLimitCloses++;
    return reason;
  }

  /** A connection admitted (or refused) by {@link admit} is gone. */
  release(transport: Transport): void {
    const ip = this.ipOf.get(transport);
    if (ip === undefined) return;
    this.ipOf.delete(transport);
    this.countIp(ip, -1);
  }

  /**
   * Whether a connection may subscribe to one more room (counts a refusal when not). The `assigned`
   * rooms among `conn.rooms` (server-assigned, see RoomIndex) do not count against the limit.
   */
  mayJoinRoom(conn: Connection, roomId: string, assigned = 0): boolean {
    const rooms = conn.rooms;
    if (rooms === undefined || rooms.size - assigned < this.maxRooms || rooms.has(roomId)) return true;
    this.counters.roomLimitRefusals++;
    return false;
  }

  /** Forgets, every 10 s, the connect-rate buckets that have refilled: an address not seen lately costs nothing. */
  prune(now: number): void {
    const limit = this.connectRate;
    if (limit === undefined || now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const refillMs = (limit.burst * 1000) / limit.packetsPerSecond;
    for (const [ip, bucket] of this.connectBuckets) {
      if (bucket.tokens >= limit.burst || now - bucket.tokensAt >= refillMs) this.connectBuckets.delete(ip);
    }
  }

  private takeConnectToken(ip: string, now: number): boolean {
    const limit = this.connectRate as RateLimit;
    let bucket = this.connectBuckets.get(ip);
    if (bucket === undefined) {
      bucket = { tokens: 0, tokensAt: 0 };
      fillBucket(bucket, limit, now);
      this.connectBuckets.set(ip, bucket);
    }
    return takeToken(bucket, limit, now);
  }

  /** Adds `delta` to the connections of an address; returns the new count. */
  private countIp(ip: string, delta: 1 | -1): number {
    const n = (this.perIp.get(ip) ?? 0) + delta;
    if (n > 0) this.perIp.set(ip, n);
    else this.perIp.delete(ip);
    return n;
  }
}

/** The IP address part of a transport's `host:port` (IPv6 addresses keep their colons). */
function ipOf(transport: Transport): string {
  const address = transport.remoteAddress;
  return address.slice(0, address.lastIndexOf(':'));
}
