/**
 * Monotonic counters of a gate. Plain fields, bumped inline on hot paths; gauges (connections,
 * signed in, rooms) are read from the indexes when rendered.
 */
/** Slots of the per-type counters: PacketType values below this, and the last one for any other. */
export const PACKET_TYPE_SLOTS = 32;

export class GateCounters {
  /** Packets received, by PacketType (a bad type in the last slot). */
  readonly packetsInByType = new Float64Array(PACKET_TYPE_SLOTS);
  /** Packets queued for clients, by PacketType. */
  readonly packetsOutByType = new Float64Array(PACKET_TYPE_SLOTS);
  packetsIn = 0;
  packetsOut = 0;
  bytesOut = 0;
  connectionsOpened = 0;
  signIns = 0;
  signInFailures = 0;
  slowCloses = 0;
  floodCloses = 0;
  /** Deliver/Kick targets whose connection is signed in as someone else (a stale route view). */
  misaddressed = 0;
  /** Deliver/Kick calls meant for another process of this gate id (one that ran before a restart). */
  staleBootCalls = 0;
  /** Sessions bound again after route lost this gate's registration. */
  rebinds = 0;
  /** SYNC_HINT pushes sent (after a re-bind, or asked for by logic through route). */
  syncHints = 0;
  /** Connections closed at once because the gate, or their address, had as many as it may. */
  connectionLimitCloses = 0;
  /** SUBSCRIBE_ROOM requests refused because the connection had as many rooms as it may. */
  roomLimitRefusals = 0;
  /** SetTags calls from route (server-granted tags replaced). */
  setTagsCalls = 0;
  /** SetRoom calls from route (server-assigned rooms joined or left). */
  setRoomCalls = 0;
  /** Count calls from route. */
  countCalls = 0;
  /** Requests answered RATE_LIMITED (sign-ins closed with it) because too many were waiting on logic. */
  busyRejections = 0;
  /** Server-initiated closes by ErrorCode. */
  readonly closesByCode = new Map<number, number>();

  countIn(type: number): void {
    this.packetsInByType[type >= 0 && type < PACKET_TYPE_SLOTS ? type : PACKET_TYPE_SLOTS - 1]!++;
  }

  countOut(type: number): void {
    this.packetsOutByType[type >= 0 && type < PACKET_TYPE_SLOTS ? type : PACKET_TYPE_SLOTS - 1]!++;
  }

  countClose(code: number): void {
    this.closesByCode.set(code, (this.closesByCode.get(code) ?? 0) + 1);
  }
}
