import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from './frame-codec.js';
import { encodeFrame, Frame, type StreamedMethod } from './request-frame.js';

const method: StreamedMethod = {
  path: Buffer.from('/switchboard.test.v1.Test/Echo'),
  retryable: true,
  serialize: (value) => Buffer.from(String(value)),
  deserialize: (bytes) => bytes.toString(),
  unary: () => undefined,
};

const frameOf = (request: string, deadline = Infinity) =>
  new Frame(
    41,
    method,
    encodeFrame(41, method, method.serialize(request), deadline),
    deadline,
    () => undefined,
    request,
    new Metadata(),
    {},
  );

describe('Frame', () => {
  it('hands its encoded bytes over once and keeps none, so a call waiting for its answer holds no buffer', () => {
    const frame = frameOf('hello', 1_900_000_000_000);
    const first = frame.takeBytes();
    expect(decodeRequest(first)).toMatchObject({ id: 41, method: '/switchboard.test.v1.Test/Echo' });
    expect(Object.values(frame).some((v) => Buffer.isBuffer(v))).toBe(false);
  });

  it('encodes the same bytes again for a resend', () => {
    for (const deadline of [Infinity, 1_900_000_000_000]) {
      const frame = frameOf('again', deadline);
      const first = Buffer.from(frame.takeBytes());
      const resent = frame.takeBytes();
      expect(resent.equals(first)).toBe(true);
      expect(decodeRequest(resent).payload.toString()).toBe('again');
    }
  });
});
