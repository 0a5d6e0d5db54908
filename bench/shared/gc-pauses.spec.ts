import { describe, expect, it } from 'vitest';
import { describeGcPauses, GcPauses } from './gc-pauses.js';

// Lines as Node 20's V8 prints them with --trace-gc-nvp (shortened in the middle).
const SCAVENGE =
  '[2435:0xb6fbd90]    24674 ms: pause=124.5 mutator=214.7 gc=s reduce_memory=0 time_to_safepoint=0.00 scavenge=10.20 scavenge.parallel=9.45 total_size_before=75539592 allocated=14216688 promoted=760632 new_space_survived=1147952';
const SHORT =
  '[2435:0xb6fbd90]    24900 ms: pause=1.2 mutator=214.4 gc=s reduce_memory=0 scavenge=1.10 allocated=2097152 promoted=0';
const MARK_COMPACT =
  '[2435:0xb6fbd90]    25304 ms: pause=8.97 mutator=500.0 gc=mc reduce_memory=0 mark=5.00 sweep=1.00 allocated=1048576 promoted=0';

describe('GC pauses from --trace-gc-nvp lines', () => {
  it('counts each collection, the long ones apart, and the bytes allocated, per service; starts over when taken', () => {
    const pauses = new GcPauses();
    expect(pauses.observe('logic-1', SCAVENGE)).toBe(true);
    expect(pauses.observe('logic-1', SHORT)).toBe(true);
    expect(pauses.observe('route-1', MARK_COMPACT)).toBe(true);
    expect(pauses.observe('route-1', '{"level":30,"msg":"ready"}')).toBe(false);
    const taken = pauses.take();
    expect(taken.get('logic-1')).toEqual({
      collections: 2,
      long: 1,
      longMs: 124.5,
      maxMs: 124.5,
      allocated: 14216688 + 2097152,
    });
    expect(taken.get('route-1')).toEqual({
      collections: 1,
      long: 1,
      longMs: 8.97,
      maxMs: 8.97,
      allocated: 1048576,
    });
    expect(describeGcPauses(taken, 1024)).toBe(
      'logic-1 1 of 2 ≥ 5 ms (125 ms, longest 125 ms), 15.6 KiB allocated per message, ' +
        'route-1 1 of 1 ≥ 5 ms (9 ms, longest 9 ms), 1.0 KiB allocated per message',
    );
    expect(describeGcPauses(taken)).toContain(
      'logic-1 1 of 2 ≥ 5 ms (125 ms, longest 125 ms), 16 MiB allocated',
    );
    expect(pauses.take().size).toBe(0);
  });
});
