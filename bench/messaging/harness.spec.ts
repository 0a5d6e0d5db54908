import { describe, expect, it } from 'vitest';
import type { PhaseResult, PushCheck } from '../overload/ipc.js';
import { describeServiceCounts, parseServiceCounts, seriesTotal } from './service-counters.js';
import { bestClean, directFaults, saturated, untilSent } from './steps.js';

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

  it("gives the mean time of the append's two MySQL requests over a step, from the db histogram", () => {
    const metrics = (starts: number, startSeconds: number, inserts: number, insertSeconds: number) =>
      parseServiceCounts(
        [
          '# HELP switchboard_db_seconds x',
          `switchboard_db_seconds_bucket{le="0.005",operation="start"} ${starts}`,
          `switchboard_db_seconds_sum{operation="start"} ${startSeconds}`,
          `switchboard_db_seconds_count{operation="start"} ${starts}`,
          `switchboard_db_seconds_sum{operation="insert"} ${insertSeconds}`,
          `switchboard_db_seconds_count{operation="insert"} ${inserts}`,
          `switchboard_db_seconds_sum{operation="select"} 50`,
          `switchboard_db_seconds_count{operation="select"} 9`,
        ].join('\n'),
      );
    const line = describeServiceCounts(metrics(10, 1, 10, 2), metrics(30, 1.25, 40, 2.45));
    expect(line).toContain("the append's requests took 12.5 ms (counters) and 15.0 ms (rows, commit)");
    // The embedded suite's SQLite, or a step without sends: no such requests, nothing said.
    expect(describeServiceCounts(metrics(10, 1, 10, 2), metrics(10, 1, 10, 2))).not.toContain('requests');
  });
});

describe('untilSent', () => {
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ends the measured part when the phase says its sends are answered, before its settle and check', async () => {
    const order: string[] = [];
    const phase = untilSent(async (sent) => {
      await later(5);
      sent();
      await later(40); // the group load's settle and check: idle seconds for the servers
      return 'result';
    });
    void phase.ended.then(() => order.push('ended'));
    void phase.result.then(() => order.push('result'));
    expect(await phase.result).toBe('result');
    expect(order).toEqual(['ended', 'result']);
  });

  it('ends with the phase when the phase never says (a 1:1 phase answers once its sends are)', async () => {
    const phase = untilSent(async () => {
      await later(5);
      return 7;
    });
    await phase.ended;
    expect(await phase.result).toBe(7);
  });

  it("passes a phase's failure on", async () => {
    const phase = untilSent(async () => {
      await later(1);
      throw new Error('load exited');
    });
    await expect(phase.ended).rejects.toThrow('load exited');
    await expect(phase.result).rejects.toThrow('load exited');
  });
});
