import { describe, expect, it, vi } from 'vitest';
import { encodeFrame } from './frame-encoder.js';

describe('encodeFrame', () => {
  it('writes a big-endian length and the body into one buffer', () => {
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const frame = encodeFrame(Buffer.from('08021007', 'hex'));
    expect(allocUnsafe.mock.calls).toEqual([[8]]);
    allocUnsafe.mockRestore();
    expect(frame.toString('hex')).toBe('0000000408021007');
  });

  it('frames an empty body as a zero length', () => {
    expect(encodeFrame(new Uint8Array(0)).toString('hex')).toBe('00000000');
  });

  it('writes lengths above 2^24 in all four header bytes', () => {
    const frame = encodeFrame(new Uint8Array(0x01_02_03));
    expect(frame.subarray(0, 4).toString('hex')).toBe('00010203');
    expect(frame.length).toBe(4 + 0x01_02_03);
  });

  it('refuses a body whose length does not fit the header', () => {
    const huge = { length: 2 ** 32 } as Uint8Array;
    expect(() => encodeFrame(huge)).toThrow(RangeError);
  });
});
