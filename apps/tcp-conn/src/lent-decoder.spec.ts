import { ErrorCode } from '@switchboard/proto/client';
import { encodeFrame, type FrameDecoder } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { LentDecoder, type FrameReader } from './lent-decoder.js';

interface TestReader extends FrameReader {
  onFrame(frame: Buffer): void;
}

class Reader implements TestReader {
  decoder: FrameDecoder | undefined = undefined;
  readonly frames: string[] = [];
  onFrame(frame: Buffer): void {
    this.frames.push(frame.toString('utf8'));
  }
}

const lent = (maxFrameBytes: number) =>
  new LentDecoder<TestReader>(maxFrameBytes, (reader, frame) => reader.onFrame(frame));

const frame = (text: string) => Buffer.from(encodeFrame(Buffer.from(text, 'utf8')));

describe('LentDecoder', () => {
  it('keeps the frames of interleaved connections apart when frames span chunks', () => {
    const frames = lent(1024);
    const a = new Reader();
    const b = new Reader();
    const fa = Buffer.concat([frame('a1'), frame('a2-long')]);
    const fb = Buffer.concat([frame('b1'), frame('b2')]);
    expect(frames.push(a, fa.subarray(0, 9))).toBeUndefined();
    // `a` is inside a frame now and holds a decoder of its own; `b` borrows the spare.
    expect(a.decoder).toBeDefined();
    expect(frames.push(b, fb.subarray(0, 3))).toBeUndefined();
    expect(frames.push(a, fa.subarray(9))).toBeUndefined();
    expect(frames.push(b, fb.subarray(3))).toBeUndefined();
    expect(a.frames).toEqual(['a1', 'a2-long']);
    expect(b.frames).toEqual(['b1', 'b2']);
    // Both are back at a frame boundary and hold nothing.
    expect(a.decoder).toBeUndefined();
    expect(b.decoder).toBeUndefined();
  });

  it('reports a stream that ended inside a frame, and only for that connection', () => {
    const frames = lent(1024);
    const cut = new Reader();
    const clean = new Reader();
    frames.push(cut, frame('whole').subarray(0, 6));
    frames.push(clean, frame('whole'));
    expect(frames.end(cut)?.code).toBe(ErrorCode.ERROR_CODE_BAD_FRAME);
    expect(frames.end(clean)).toBeUndefined();
  });

  it('keeps a failure with its connection and lends a healthy decoder to the next', () => {
    const frames = lent(4);
    const bad = new Reader();
    const good = new Reader();
    expect(frames.push(bad, frame('too long'))?.code).toBe(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
    expect(frames.push(bad, frame('ok'))?.code).toBe(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
    expect(frames.push(good, frame('ok'))).toBeUndefined();
    expect(good.frames).toEqual(['ok']);
  });

  it('does not hand a half-read frame to the next connection when a sink throws', () => {
    const frames = lent(1024);
    const throwing: TestReader = {
      decoder: undefined,
      onFrame: () => {
        throw new Error('sink failed');
      },
    };
    expect(() => frames.push(throwing, Buffer.concat([frame('x'), frame('partial').subarray(0, 5)]))).toThrow(
      'sink failed',
    );
    const next = new Reader();
    frames.push(next, frame('next'));
    expect(next.frames).toEqual(['next']);
  });

  it('keeps frames apart when one connection is read while another frame is being handled', () => {
    const frames = lent(1024);
    const inner = new Reader();
    const outer: TestReader & { frames: string[] } = {
      decoder: undefined,
      frames: [],
      onFrame(body) {
        this.frames.push(body.toString('utf8'));
        if (this.frames.length === 1) frames.push(inner, frame('inner'));
      },
    };
    frames.push(outer, Buffer.concat([frame('o1'), frame('o2'), frame('o3').subarray(0, 3)]));
    frames.push(outer, frame('o3').subarray(3));
    expect(outer.frames).toEqual(['o1', 'o2', 'o3']);
    expect(inner.frames).toEqual(['inner']);
    expect(inner.decoder).toBeUndefined();
    expect(outer.decoder).toBeUndefined();
  });
});
