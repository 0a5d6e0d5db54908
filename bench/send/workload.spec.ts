import { describe, expect, it } from 'vitest';
import { recipientOf, Workload } from './workload.js';

describe('recipientOf', () => {
  it('draws any other user when no contacts are set', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) {
      const to = recipientOf(3, 10, 0, i / 1000);
      expect(to).not.toBe(3);
      seen.add(to);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it('draws one of the sender’s fixed contacts, spread over the population, wrapping past the last user', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) seen.add(recipientOf(8, 10, 3, i / 1000));
    // Every third user from the sender on: 11 → 1, 14 → 4, 17 → 7.
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 4, 7]);
    for (let from = 0; from < 10; from += 1) {
      for (let i = 0; i < 100; i += 1) expect(recipientOf(from, 10, 4, i / 100)).not.toBe(from);
    }
  });

  it('falls back to anyone when the contacts would cover everybody', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) seen.add(recipientOf(0, 4, 3, i / 1000));
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });
});

describe('Workload', () => {
  it('with contacts, sends over users x contacts conversations, never to the sender', () => {
    const workload = new Workload(100, 'spec', 5, 4);
    const pairs = new Set<string>();
    for (let n = 0; n < 5000; n += 1) {
      const send = workload.plan(n);
      expect(send.recipientUserId).not.toBe(send.senderUserId);
      pairs.add(`${send.senderUserId}>${send.recipientUserId}`);
    }
    expect(pairs.size).toBeLessThanOrEqual(400);
    expect(pairs.size).toBeGreaterThan(390);
  });
});
