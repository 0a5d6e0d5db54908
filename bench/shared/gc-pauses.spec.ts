import { describe, expect, it } from 'vitest';
import { describeGcPauses, GcPauses } from './gc-pauses.js';

// Lines as Node 20's V8 prints them with --trace-gc.
const SCAVENGE =
  '[1889:0x23767d70]    16335 ms: Scavenge 61.7 (81.7) -> 52.6 (82.1) MB, 124.54 / 0.00 ms  (average mu = 0.994, current mu = 0.994) allocation failure; ';
const SHORT =
  '[1889:0x23767d70]    16400 ms: Scavenge 61.7 (81.7) -> 52.6 (82.1) MB, 1.20 / 0.00 ms  (average mu = 0.994, current mu = 0.994) task; ';
const MARK_COMPACT =
  '[1876:0x242bad70]     1304 ms: Mark-Compact 12.8 (28.1) -> 10.3 (28.9) MB, 8.97 / 0.04 ms  (+ 24.3 ms in 42 steps since start of marking, biggest step 21.1 ms, walltime since start of marking 62 ms) (average mu = 1.000, current mu = 1.000) finalize incremental marking via task; GC in old space requested';

describe('GC pauses from --trace-gc lines', () => {
  it('counts each collection, the long ones apart, per service, and starts over when taken', () => {
    const pauses = new GcPauses();
    expect(pauses.observe('logic-1', SCAVENGE)).toBe(true);
    expect(pauses.observe('logic-1', SHORT)).toBe(true);
    expect(pauses.observe('route-1', MARK_COMPACT)).toBe(true);
    expect(pauses.observe('route-1', '{"level":30,"msg":"ready"}')).toBe(false);
    const taken = pauses.take();
    expect(taken.get('logic-1')).toEqual({ collections: 2, long: 1, longMs: 124.54, maxMs: 124.54 });
    expect(taken.get('route-1')).toEqual({ collections: 1, long: 1, longMs: 8.97, maxMs: 8.97 });
    expect(describeGcPauses(taken)).toBe(
      'logic-1 1 of 2 ≥ 5 ms (125 ms, longest 125 ms), route-1 1 of 1 ≥ 5 ms (9 ms, longest 9 ms)',
    );
    expect(pauses.take().size).toBe(0);
  });
});
