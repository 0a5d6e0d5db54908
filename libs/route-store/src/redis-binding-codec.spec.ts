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
});
