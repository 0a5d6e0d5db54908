import { describe, expect, it } from 'vitest';
import { residentByMapping } from '../shared/inspector.js';
import { sourceAddress } from './gate-clients.js';
import {
  accountedPerConnection,
  GOALS,
  meetsIdleGoal,
  perConnection,
  secondHalf,
  shares,
  steadyPerConnection,
} from './memory.js';

describe('perConnection', () => {
  it('is the growth of RSS and heap over the connections taken', () => {
    expect(perConnection({ rss: 100_000, heap: 10_000 }, { rss: 600_000, heap: 60_000 }, 100)).toEqual({
      rss: 5000,
      heap: 500,
    });
    expect(perConnection({ rss: 1, heap: 1 }, { rss: 2, heap: 2 }, 0).rss).toBeNaN();
  });
});

describe('steadyPerConnection', () => {
  it("leaves the young generation's size out of RSS: empty after a full GC, sized by V8's heuristics", () => {
    const mid = { rss: 100_000, heap: 10_000, young: 16_000 };
    const idle = { rss: 650_000, heap: 60_000, young: 66_000 };
    expect(steadyPerConnection(mid, idle, 100)).toEqual({ rss: 5000, heap: 500 });
  });
  it('reads a reading without a young-generation figure as its RSS', () => {
    expect(steadyPerConnection({ rss: 0, heap: 0 }, { rss: 500, heap: 50 }, 10)).toEqual({
      rss: 50,
      heap: 5,
    });
  });
});

describe('accountedPerConnection', () => {
  it("is the growth of V8's committed heap and glibc's main arena, without the rest of RSS", () => {
    const mid = { rss: 0, heap: 0, committed: 1000, mappings: { brk: 500, anon: 9000 } };
    const idle = { rss: 0, heap: 0, committed: 3000, mappings: { brk: 1500, anon: 0 } };
    expect(accountedPerConnection(mid, idle, 10)).toBe(300);
  });
});

describe('secondHalf', () => {
  it('splits the connections into a first half held before the middle reading and the rest', () => {
    expect(secondHalf(15_000)).toEqual({ first: 7_500, second: 7_500 });
    expect(secondHalf(5)).toEqual({ first: 2, second: 3 });
    expect(secondHalf(1)).toEqual({ first: 0, second: 1 });
  });
});

describe('meetsIdleGoal', () => {
  const raw = { rss: 4000, heap: 2000 };
  it('holds RSS to the bound times the raw figure and heap to 0.5 KiB over it', () => {
    expect(meetsIdleGoal({ rss: 4600, heap: 2000 + GOALS.heapBytes }, raw, GOALS.wsRss)).toBe(true);
    expect(meetsIdleGoal({ rss: 4601, heap: 2000 }, raw, GOALS.wsRss)).toBe(false);
    expect(meetsIdleGoal({ rss: 4000, heap: 2000 + GOALS.heapBytes + 1 }, raw, GOALS.wsRss)).toBe(false);
  });
});

describe('shares', () => {
  it('covers every connection once, in contiguous ranges', () => {
    const s = shares(10_001, 4);
    expect(s.reduce((n, x) => n + x.count, 0)).toBe(10_001);
    s.slice(1).forEach((x, i) => expect(x.offset).toBe(s[i]!.offset + s[i]!.count));
    expect(shares(2, 4).map((x) => x.count)).toEqual([1, 1, 0, 0]);
  });
});

describe('sourceAddress', () => {
  it('spreads connections over 250 loopback addresses, never 127.0.0.1', () => {
    const seen = new Set(Array.from({ length: 1000 }, (_, i) => sourceAddress(i)));
    expect(seen.size).toBe(250);
    expect(seen.has('127.0.0.1')).toBe(false);
    expect(sourceAddress(0)).toBe('127.0.0.2');
  });
});

describe('residentByMapping', () => {
  it("splits a process's resident memory into brk, anonymous, file and other mappings", () => {
    const kinds = residentByMapping(process.pid);
    expect(Object.keys(kinds).sort()).toEqual(['anon', 'brk', 'file', 'other']);
    expect(kinds['anon']).toBeGreaterThan(0);
    expect(kinds['file']).toBeGreaterThan(0);
  });
});
