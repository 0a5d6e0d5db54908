import { createLogger, memoryDestination } from '@switchboard/log';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseExpiry } from './lease-expiry.js';
import { routeCounters } from './route-metrics.js';

/** A store whose expireGates answers from `answers` in turn (then nothing); an Error rejects. */
function fakeStore(...answers: Array<string[] | Error>) {
  return {
    calls: 0,
    expireGates(): Promise<string[]> {
      this.calls++;
      const next = answers.shift() ?? [];
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
}

function setup(store: ReturnType<typeof fakeStore>) {
  const destination = memoryDestination();
  const log = createLogger({ level: 'debug', service: 'route', destination });
  const counters = routeCounters();
  const gates = { invalidate: vi.fn() };
  const expiry = new LeaseExpiry({ store, gates, counters, log, everyMs: 1_000 });
  return { expiry, counters, gates, lines: destination.lines };
}

describe('LeaseExpiry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('counts and logs the expired gates once, and drops the cached gate list', async () => {
    const store = fakeStore(['g1', 'g2'], [], []);
    const { expiry, counters, gates, lines } = setup(store);
    expiry.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expiry.stop();
    expect(store.calls).toBe(3);
    expect(counters.get('expired_gates')).toBe(2);
    expect(gates.invalidate).toHaveBeenCalledTimes(1);
    const warnings = lines.filter((l) => l['msg'] === 'gate leases expired; their bindings were removed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ gates: ['g1', 'g2'] });
  });

  it('logs a failing store at error level and keeps sweeping', async () => {
    const store = fakeStore(new Error('store down'), ['g1']);
    const { expiry, counters, lines } = setup(store);
    expiry.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expiry.stop();
    expect(lines.find((l) => l['msg'] === 'gate expiry failed')).toMatchObject({
      level: 50,
      err: { message: 'store down' },
    });
    expect(counters.get('expired_gates')).toBe(1);
  });

  it('sweeps no more once stopped', async () => {
    const store = fakeStore();
    const { expiry } = setup(store);
    expiry.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expiry.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.calls).toBe(1);
  });

  it('does not keep the process alive', () => {
    vi.useRealTimers();
    const { expiry } = setup(fakeStore());
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    expiry.start();
    const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
    setIntervalSpy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    expiry.stop();
  });
});
