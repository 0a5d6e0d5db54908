/**
 * Monotonic counters of a gate. Plain fields, bumped inline on hot paths; gauges (connections,
 * signed in, rooms) are read from the indexes when rendered.
 */
export class GateCounters {
  packetsIn = 0;
  packetsOut = 0;
  bytesOut = 0;
  connectionsOpened = 0;
  signIns = 0;
  signInFailures = 0;
  slowCloses = 0;
  floodCloses = 0;
  /** Server-initiated closes by ErrorCode. */
  readonly closesByCode = new Map<number, number>();

  countClose(code: number): void {
    this.closesByCode.set(code, (this.closesByCode.get(code) ?? 0) + 1);
  }
}
