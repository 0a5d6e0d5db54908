import { describe, expect, it } from 'vitest';
import { attributeSlowWindows, type SlowWindow, type Stall } from './stalls.js';

describe('attributeSlowWindows', () => {
  const windows: SlowWindow[] = [
    { at: 10_000, sends: 300, slow: 40, maxMs: 80 },
    { at: 12_000, sends: 300, slow: 5, maxMs: 60 },
  ];
  it('puts a window down to the stalls of at least 10 ms while its sends were in flight', () => {
    const stalls: Stall[] = [
      { process: 'logic', what: 'full GC', at: 10_150, ms: 14 }, // within 100 ms + 80 ms of the first
      { process: 'logic', what: 'stall', at: 10_160, ms: 30 },
      { process: 'route', what: 'stall', at: 10_400, ms: 50 }, // after the first's slow sends
      { process: 'ws-conn', what: 'young GC', at: 9_990, ms: 5 }, // too short
    ];
    const { lines, tally, unexplained } = attributeSlowWindows(windows, stalls);
    expect(lines[0]).toBe('+0.0 s: 40/300 slow, longest 80 ms — logic full GC 14 ms, logic stall 30 ms');
    expect(lines[1]).toBe('+2.0 s: 5/300 slow, longest 60 ms — no stall noted');
    expect(tally).toEqual(
      new Map([
        ['logic full GC', 1],
        ['logic stall', 1],
      ]),
    );
    expect(unexplained).toBe(1);
  });
});
