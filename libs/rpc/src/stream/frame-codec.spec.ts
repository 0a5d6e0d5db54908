import { ExchangeRequest, ExchangeResponse } from '@switchboard/proto/rpc';
import { describe, expect, it } from 'vitest';
import { decodeReply, decodeRequest, encodeReply, encodeRequest, FrameError } from './frame-codec.js';

describe('frame codec (the wire format of switchboard.rpc.v1)', () => {
  const path = '/switchboard.logic.v1.LogicService/SendBatch';

  it('encodes requests as the generated code reads them, and reads what it writes', () => {
    for (const deadline of [0, 1_764_650_000_123, -5, 1]) {
      const bytes = encodeRequest(2 ** 40 + 3, Buffer.from(path), Buffer.from([1, 2, 3]), deadline);
      const generated = ExchangeRequest.decode(bytes);
      expect(generated).toMatchObject({ id: 2 ** 40 + 3, method: path, deadlineUnixMs: deadline });
      expect([...generated.payload]).toEqual([1, 2, 3]);
      const back = decodeRequest(Buffer.from(ExchangeRequest.encode(generated).finish()));
      expect(back).toMatchObject({ id: 2 ** 40 + 3, method: path, deadline });
      expect([...back.payload]).toEqual([1, 2, 3]);
    }
  });

  it('encodes replies as the generated code reads them, and reads what it writes', () => {
    const bytes = encodeReply(7, Buffer.alloc(0), 5, 'no such thing ✓', [
      ['sb-code', '104'],
      ['sb-field', 'user.user_id'],
    ]);
    expect(ExchangeResponse.decode(bytes)).toMatchObject({
      id: 7,
      status: 5,
      details: 'no such thing ✓',
      metadata: { 'sb-code': '104', 'sb-field': 'user.user_id' },
      drain: false,
    });
    const generated = ExchangeResponse.encode(
      ExchangeResponse.fromPartial({ id: 9, payload: Buffer.from([4, 5]), metadata: { a: 'b' } }),
    ).finish();
    const back = decodeReply(Buffer.from(generated));
    expect(back).toMatchObject({ id: 9, status: 0, metadata: [['a', 'b']], drain: false });
    expect([...back.payload]).toEqual([4, 5]);
    expect(decodeReply(encodeReply(0, Buffer.alloc(0), 0, '', [], true))).toMatchObject({
      id: 0,
      drain: true,
    });
  });

  it('reports the id of a frame cut short after it', () => {
    const bytes = encodeRequest(42, Buffer.from(path), Buffer.alloc(100), 0);
    let caught: unknown;
    try {
      decodeRequest(bytes.subarray(0, bytes.length - 10));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FrameError);
    expect((caught as FrameError).id).toBe(42);
  });
});
