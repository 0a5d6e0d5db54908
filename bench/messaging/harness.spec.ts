import { describe, expect, it } from 'vitest';
import type { PhaseResult, PushCheck } from '../overload/ipc.js';
import { parseServiceCounts, seriesTotal } from './service-counters.js';
import { bestClean, directFaults, saturated } from './steps.js';

const result = (over: Partial<PhaseResult> = {}): PhaseResult => ({
  label: '',
  rate: 1000,
  durationMs: 10_000,
  elapsedMs: 10_000,
  sent: 10_000,
  acked: 10_000,
  rejected: {},
  timedOut: 0,
  lateAcks: 0,
  closed: 0,
  p50Ms: 5,
  p99Ms: 40,
  maxMs: 60,
  maxLagMs: 0,
  loadCpu: 0.5,
  ...over,
});
const check = (over: Partial<PushCheck> = {}): PushCheck => ({
  label: '',
  checked: 10_000,
  pushed: 10_000,
  hinted: 0,
  missing: 0,
  skippedOffline: 0,
  pushP50Ms: 6,
  pushP99Ms: 50,
  ...over,
});

describe('directFaults', () => {
  it('finds none in a step with every send acked fast and every message pushed', () => {
    expect(directFaults(result(), check(), 100)).toEqual([]);
  });

  it('names a slow p99, unacked sends, and messages only hinted or not checked', () => {
    expect(directFaults(result({ p99Ms: 100 }), check(), 100)).toEqual(['p99 100 ms']);
    expect(directFaults(result({ acked: 9990 }), check(), 100)).toEqual(['10 of 10000 not acked']);
    expect(directFaults(result(), check({ pushed: 9000, hinted: 1000 }), 100)).toEqual(['1000 not pushed']);
    expect(directFaults(result(), undefined, 100)).toEqual(['not checked']);
  });
});

describe('bestClean', () => {
  it('is the clean step with the highest offered rate, even after a dirty one', () => {
    const steps = [
      { rate: 250, clean: true },
      { rate: 500, clean: false },
      { rate: 1000, clean: true },
      { rate: 2000, clean: false },
    ];
    expect(
      bestClean(
        steps,
        (s) => s.rate,
        (s) => s.clean,
      )?.rate,
    ).toBe(1000);
    expect(
      bestClean(
        steps,
        (s) => s.rate,
        () => false,
      ),
    ).toBeUndefined();
  });
});

describe('saturated', () => {
  it('is below 90% acked', () => {
    expect(saturated(900, 1000)).toBe(false);
    expect(saturated(899, 1000)).toBe(true);
  });
});

describe('service counters', () => {
  it('sums a series over its label sets, narrowed by a label when asked, and no other series', () => {
    const text = [
      '# HELP x',
      'switchboard_logic_sends_total 12',
      'switchboard_logic_sends_total_other 99',
      'switchboard_db_seconds_count{operation="a"} 3',
      'switchboard_db_seconds_count{operation="b"} 4',
      'switchboard_grpc_server_seconds_count{method="DeliverToUsers",code="OK"} 5',
      'switchboard_grpc_server_seconds_count{method="Deliver",code="OK"} 7',
    ].join('\n');
    expect(seriesTotal(text, 'switchboard_logic_sends_total')).toBe(12);
    expect(seriesTotal(text, 'switchboard_db_seconds_count')).toBe(7);
    expect(seriesTotal(text, 'switchboard_grpc_server_seconds_count{method="Deliver"')).toBe(7);
    expect(parseServiceCounts(text)).toMatchObject({ sends: 12, statements: 7, pushCalls: 5, gateCalls: 7 });
  });
});
