import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBinding, encodeBinding, encodeBindingAround } from './redis-binding-codec.js';

describe('binding codec', () => {
  it('writes the JSON of the binding, whatever its strings hold, and reads it back', () => {
    fc.assert(
      fc.property(
        fc.record({
          gateId: fc.string(),
          gateBootId: fc.string(),
          connId: fc.string(),
          platform: fc.string({ unit: 'grapheme' }),
          epoch: fc.nat(),
          boundAt: fc.nat(),
        }),
        fc.nat(),
        (fields, incarnation) => {
          const binding = { appId: 'a', userId: 'u', deviceId: 'd', ...fields };
          const text = encodeBinding(binding, incarnation);
          expect(text).toBe(
            JSON.stringify({
              g: binding.gateId,
              b: binding.gateBootId,
              i: incarnation,
              c: binding.connId,
              e: binding.epoch,
              p: binding.platform,
              t: binding.boundAt,
            }),
          );
          const [head, tail] = encodeBindingAround(binding, incarnation);
          expect(`${head}${binding.epoch}${tail}`).toBe(text);
          expect(decodeBinding('a', 'u', 'd', text)).toEqual({ binding, incarnation });
        },
      ),
    );
  });

  it('answers a text read again with a binding of its own, carrying the ids it is given', () => {
    const text = encodeBinding(
      {
        appId: 'a',
        userId: 'u',
        deviceId: 'd',
        gateId: 'g',
        gateBootId: 'b',
        connId: '7',
        epoch: 3,
        platform: 'web',
        boundAt: 1,
      },
      2,
    );
    const first = decodeBinding('a', 'u', 'd', text);
    const again = decodeBinding('a2', 'u2', 'd2', text);
    expect(again).not.toBe(first);
    expect(again.binding).toMatchObject({ appId: 'a2', userId: 'u2', deviceId: 'd2', epoch: 3, connId: '7' });
    expect(() => decodeBinding('a', 'u', 'd', '{not json')).toThrow();
  });
});
