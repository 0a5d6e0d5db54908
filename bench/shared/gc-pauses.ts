// Garbage-collection pauses of the services, read from V8's `--trace-gc` lines in their output:
// per service, how many pauses of at least PAUSE_MS there were, how long they took together and the
// longest. Long pauses in one service show up as tail latency in all (a send waits on every hop).
// Wall time: on a core shared by several processes a pause also counts the time others ran.

/** Pauses shorter than this are counted apart (a young collection normally takes 1-3 ms). */
export const PAUSE_MS = 5;

/** `... 1234 ms: Scavenge 5.6 (6.7) -> 5.3 (9.0) MB, 7.50 / 0.01 ms ...` (pause / external ms). */
const TRACE_LINE =
  /ms: (Scavenge|Mark-Compact|Mark-Compact \(reduce\)|Minor Mark-Compact|Mark-Sweep)\b[^,]*, ([0-9.]+) \/ /;

export interface PauseStats {
  /** Every collection traced. */
  collections: number;
  /** Those of at least PAUSE_MS, their total and the longest (ms). */
  long: number;
  longMs: number;
  maxMs: number;
}

export class GcPauses {
  /** Node options a service needs for its collections to be traced. */
  static readonly NODE_ARGS: readonly string[] = ['--trace-gc'];
  private stats = new Map<string, PauseStats>();

  /** Takes one output line of `service`; true when it was a collection's trace line. */
  observe(service: string, line: string): boolean {
    const match = TRACE_LINE.exec(line);
    if (match === null) return false;
    const pause = Number(match[2]);
    let stats = this.stats.get(service);
    if (stats === undefined) {
      stats = { collections: 0, long: 0, longMs: 0, maxMs: 0 };
      this.stats.set(service, stats);
    }
    stats.collections++;
    if (pause >= PAUSE_MS) {
      stats.long++;
      stats.longMs += pause;
    }
    if (pause > stats.maxMs) stats.maxMs = pause;
    return true;
  }

  /** The pauses seen since the last call, per service; starts over. */
  take(): Map<string, PauseStats> {
    const taken = this.stats;
    this.stats = new Map();
    return taken;
  }
}

/** `logic-1 12 of 40 ≥ 5 ms (340 ms, longest 89 ms), ...`, services by name. */
export function describeGcPauses(stats: ReadonlyMap<string, PauseStats>): string {
  return [...stats]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([service, s]) =>
        `${service} ${s.long} of ${s.collections} ≥ ${PAUSE_MS} ms (${Math.round(s.longMs)} ms, longest ${Math.round(s.maxMs)} ms)`,
    )
    .join(', ');
}
