import { describe, expect, it } from 'vitest';
import { TimerWheel, type WheelEntry } from './timer-wheel.js';

const entry = (name: string): WheelEntry & { name: string } => ({
  name,
  wheelDue: 0,
  wheelNext: undefined,
  wheelPrev: undefined,
});

describe('TimerWheel', () => {
  function wheel(slots = 8) {
    const due: string[] = [];
    const w = new TimerWheel<WheelEntry & { name: string }>({
      tickMs: 100,
      slots,
      startAt: 0,
      onDue: (e) => due.push(e.name),
    });
    return { w, due };
  }

  it('fires entries once their deadline has passed, rounded up to a tick', () => {
    const { w, due } = wheel();
    const a = entry('a');
    const b = entry('b');
    w.schedule(a, 250);
    w.schedule(b, 500);
    w.advance(299);
    expect(due).toEqual([]);
    w.advance(300);
    expect(due).toEqual(['a']);
    w.advance(1000);
    expect(due).toEqual(['a', 'b']);
    expect(w.size).toBe(0);
    expect(a.wheelNext).toBeUndefined();
  });

  it('keeps entries of a later lap that share a bucket', () => {
    const { w, due } = wheel(4);
    w.schedule(entry('far'), 1000); // tick 10, slot 2 - also visited at tick 2 and 6
    w.advance(700);
    expect(due).toEqual([]);
    w.advance(1000);
    expect(due).toEqual(['far']);
  });

  it('cancels and reschedules', () => {
    const { w, due } = wheel();
    const a = entry('a');
    w.schedule(a, 200);
    w.schedule(a, 600);
    w.advance(300);
    expect(due).toEqual([]);
    w.cancel(a);
    w.advance(2000);
    expect(due).toEqual([]);
    expect(w.size).toBe(0);
  });

  it('never schedules into a bucket already passed', () => {
    const { w, due } = wheel();
    w.advance(500);
    w.schedule(entry('late'), 100);
    w.advance(600);
    expect(due).toEqual(['late']);
  });

  it('does not fire an entry that an earlier onDue of the same bucket cancelled or moved', () => {
    const fired: string[] = [];
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    const w = new TimerWheel<WheelEntry & { name: string }>({
      tickMs: 100,
      slots: 8,
      startAt: 0,
      onDue: (e) => {
        fired.push(e.name);
        if (e === a) {
          w.cancel(b);
          w.schedule(c, 700);
        }
      },
    });
    for (const e of [a, b, c]) w.schedule(e, 200);
    w.advance(200);
    expect(fired).toEqual(['a']);
    expect(w.size).toBe(1);
    w.advance(700);
    expect(fired).toEqual(['a', 'c']);
    expect(w.size).toBe(0);
    expect([a, b, c].map((e) => e.wheelNext)).toEqual([undefined, undefined, undefined]);
  });

  it('catches up after a long pause in one lap', () => {
    const { w, due } = wheel(4);
    for (let i = 1; i <= 10; i++) w.schedule(entry(`e${i}`), i * 100);
    w.advance(100_000);
    expect(due.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `e${i + 1}`).sort());
  });
});
