import { describe, expect, it } from 'vitest';
import { RouteKeys, dec, enc } from './redis-keys.js';

/** The part of a key Redis Cluster hashes: between the first `{` and the next `}`. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return key.slice(open + 1, close);
}

describe('RouteKeys', () => {
  const keys = new RouteKeys('sb');
  const odd = ['a:b', '{x}', 'y}', '*?[', 'plain', 'ünï', ''];

  it('puts the keys each script touches together in one slot, whatever the ids contain', () => {
    const gates = [keys.gateLeases(), keys.gateInfo(), keys.gateIncarnations(), keys.deadGates()].map(
      hashTag,
    );
    expect(new Set(gates).size).toBe(1);
    for (const a of odd) {
      for (const b of odd) {
        expect(hashTag(keys.userBindings(a, b))).toBe(hashTag(keys.userEpochs(a, b)));
        expect(hashTag(keys.gateApps(a, 1))).toBe(hashTag(keys.gateBindings(a, 1, b)));
        expect(hashTag(keys.gateApps(a, 1))).toBe(hashTag(keys.gateRooms(a, 2)));
        expect(hashTag(keys.room(a, b))).toMatch(/^sb:r:/);
      }
    }
  });

  it('never lets two different id pairs share a key', () => {
    const seen = new Set<string>();
    for (const a of odd) for (const b of odd) seen.add(keys.userBindings(a, b));
    expect(seen.size).toBe(odd.length * odd.length);
  });

  it('round-trips encoded ids and keeps separators out of them', () => {
    for (const id of odd) {
      expect(dec(enc(id))).toBe(id);
      expect(enc(id)).not.toMatch(/[{}:*?[\]]/);
    }
  });

  it('refuses a prefix that would break hash tags', () => {
    expect(() => new RouteKeys('a{b')).toThrow(/braces/);
    expect(() => new RouteKeys('')).toThrow();
  });

  it('builds a SCAN pattern for every key of its prefix, escaping glob characters', () => {
    expect(keys.pattern()).toBe('{sb:*');
    expect(new RouteKeys('t*1').pattern()).toBe('{t\\*1:*');
  });
});
