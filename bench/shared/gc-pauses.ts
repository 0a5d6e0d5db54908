// Garbage-collection pauses of the services, read from V8's `--trace-gc-nvp` lines in their output:
// per service, how many pauses of at least PAUSE_MS there were, how long they took together and the
// longest, and how many bytes were allocated between collections. Long pauses in one service show
// up as tail latency in all (a send waits on every hop). Pauses are wall time: on a core shared by
// several processes a pause also counts the time others ran. Bytes allocated per message do not
// depend on the machine's load: the measure to cut collections by.

/** Pauses shorter than this are counted apart (a young collection normally takes 1-3 ms). */
export const PAUSE_MS = 5;

/** `... 1234 ms: pause=19.8 mutator=214.7 gc=s ... allocated=14216688 ...` (one per collection). */
const TRACE_LINE = /ms: pause=([0-9.]+) .*\bgc=\w+/;
const ALLOCATED = / allocated=(\d+)/;

export interface PauseStats {
  /** Every collection traced. */
  collections: number;
  /** Those of at least PAUSE_MS, their total and the longest (ms). */
  long: number;
  longMs: number;
  maxMs: number;
  /** Bytes allocated between the collections counted. */
  allocated: number;
}

export class GcPauses {
  /** Node options a service needs for its collections to be traced. */
  static readonly NODE_ARGS: readonly string[] = ['--trace-gc-nvp'];
  private stats = new Map<string, PauseStats>();

  /** Takes one output line of `service`; true when it was a collection's trace line. */
  observe(service: string, line: string): boolean {
    const match = TRACE_LINE.exec(line);
    if (match === null) return false;
    const pause = Number(match[1]);
    let stats = this.stats.get(service);
    if (stats === undefined) {
      stats = { collections: 0, long: 0, longMs: 0, maxMs: 0, allocated: 0 };
      this.stats.set(service, stats);
    }
    stats.collections++;
    if (pause >= PAUSE_MS) {
      stats.long++;
      stats.longMs += pause;
    }
    if (pause > stats.maxMs) stats.maxMs = pause;
    stats.allocated += Number(ALLOCATED.exec(line)?.[1] ?? 0);
    return true;
  }

  /** The pauses seen since the last call, per service; starts over. */
  take(): Map<string, PauseStats> {
    const taken = this.stats;
    this.stats = new Map();
    return taken;
  }
}

/**
 * `logic-1 12 of 40 ≥ 5 ms (340 ms, longest 89 ms), 5.1 KiB allocated per message, ...`, services
 * by name; per message when `messages` (those of the step) is given, else in all.
 */
export function describeGcPauses(stats: ReadonlyMap<string, PauseStats>, messages?: number): string {
  return [...stats]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([service, s]) => {
      const allocated =
        messages === undefined || messages <= 0
          ? `${(s.allocated / 1048576).toFixed(0)} MiB allocated`
          : `${(s.allocated / messages / 1024).toFixed(1)} KiB allocated per message`;
      return `${service} ${s.long} of ${s.collections} ≥ ${PAUSE_MS} ms (${Math.round(s.longMs)} ms, longest ${Math.round(s.maxMs)} ms), ${allocated}`;
    })
    .join(', ');
}
