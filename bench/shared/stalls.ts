// Where a step's slow sends come from (issue 9's p99): the stall probe (stall-probe.mjs) notes each
// process's long garbage collections and event-loop hold-ups with wall-clock times; the load notes
// the 100 ms windows in which some send took longer than the p99 bound. A slow window is put down
// to the processes that stalled while its slow sends were in flight.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Makes every process started from here on load stall-probe.mjs (through NODE_OPTIONS). */
export function probeChildStalls(dir: string): void {
  mkdirSync(dir, { recursive: true });
  process.env['SB_STALL_DIR'] = resolve(dir);
  const preload = new URL('./stall-probe.mjs', import.meta.url).href;
  process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import ${preload}`.trim();
}

/** A stall one process noted: a garbage collection (by kind) or the event loop held up. */
export interface Stall {
  process: string;
  what: string;
  /** Wall-clock ms (Unix) when it began, and how long it took. */
  at: number;
  ms: number;
}

/** 100 ms of a phase (by when its sends were written) in which some were acked late. */
export interface SlowWindow {
  /** Unix ms of the window's start. */
  at: number;
  sends: number;
  /** Those acked later than the bound, and the longest ack (ms). */
  slow: number;
  maxMs: number;
}

/** Every stall noted in `dir` from `from` to `to` (Unix ms), by process name (`logic`, `ws-conn`...). */
export function readStalls(dir: string, from: number, to: number): Stall[] {
  const stalls: Stall[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    const name = file.replace(/-\d+\.jsonl$/, '');
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as { t: string; at: number; ms: number; kind?: string };
      if (e.at + e.ms < from || e.at > to) continue;
      stalls.push({ process: name, what: e.t === 'gc' ? `${e.kind} GC` : 'stall', at: e.at, ms: e.ms });
    }
  }
  return stalls.sort((a, b) => a.at - b.at);
}

/**
 * For each slow window, the stalls of at least `minMs` that overlap the time its slow sends were in
 * flight (from the window's start to its end plus the longest ack), as `logic full GC 14 ms`; and
 * a tally over the windows of which processes stalled (a window counts once per process and kind).
 */
export function attributeSlowWindows(
  windows: readonly SlowWindow[],
  stalls: readonly Stall[],
  minMs = 10,
): { lines: string[]; tally: Map<string, number>; unexplained: number } {
  const WINDOW_MS = 100;
  const tally = new Map<string, number>();
  const lines: string[] = [];
  let unexplained = 0;
  const t0 = windows[0]?.at ?? 0;
  for (const w of windows) {
    const end = w.at + WINDOW_MS + w.maxMs;
    const hits = stalls.filter((s) => s.ms >= minMs && s.at < end && s.at + s.ms > w.at);
    const kinds = new Set(hits.map((s) => `${s.process} ${s.what}`));
    for (const k of kinds) tally.set(k, (tally.get(k) ?? 0) + 1);
    if (kinds.size === 0) unexplained++;
    const what = hits.map((s) => `${s.process} ${s.what} ${s.ms} ms`).join(', ') || 'no stall noted';
    lines.push(
      `+${((w.at - t0) / 1000).toFixed(1)} s: ${w.slow}/${w.sends} slow, longest ${Math.round(w.maxMs)} ms — ${what}`,
    );
  }
  return { lines, tally, unexplained };
}
