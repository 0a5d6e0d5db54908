import { ErrorCode } from '@switchboard/proto/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameDecoder } from './frame-decoder.js';
import { type ProtocolError } from './protocol-error.js';

// Frames written out by hand, so that these tests pin the wire format rather than the encoder.
const FIXTURES = [
  // HEARTBEAT, request_id 7
  { frame: '00000004' + '08021007', body: '08021007' },
  // SEND, request_id 300, data 0a0161
  { frame: '0000000a' + '080310ac022a030a0161', body: '080310ac022a030a0161' },
  // DISCONNECT, code 201, message "too big"
  { frame: '0000000e' + '080c18c9012207746f6f20626967', body: '080c18c9012207746f6f20626967' },
  // A zero-length frame: an empty Packet body.
  { frame: '00000000', body: '' },
];

const MAX = 64 * 1024;

function collect(maxFrameBytes = MAX): { decoder: FrameDecoder; frames: Buffer[] } {
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder({ maxFrameBytes }, { onFrame: (frame) => frames.push(frame) });
  return { decoder, frames };
}

function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): ProtocolError | undefined {
  let error: ProtocolError | undefined;
  for (const chunk of chunks) error = decoder.push(chunk) ?? error;
  return error ?? decoder.end();
}

const hex = (frames: readonly Buffer[]): string[] => frames.map((f) => f.toString('hex'));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FrameDecoder', () => {
  it.each(FIXTURES)('decodes fixture $frame split at every byte boundary', ({ frame, body }) => {
    const bytes = Buffer.from(frame, 'hex');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { decoder, frames } = collect();
      expect(feed(decoder, [bytes.subarray(0, cut), bytes.subarray(cut)])).toBeUndefined();
      expect(hex(frames)).toEqual([body]);
    }
  });

  it('decodes all fixtures in one stream cut at every pair of boundaries and fed byte by byte', () => {
    const stream = Buffer.from(FIXTURES.map((f) => f.frame).join(''), 'hex');
    const bodies = FIXTURES.map((f) => f.body);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const { decoder, frames } = collect();
        const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        expect(feed(decoder, chunks)).toBeUndefined();
        expect(hex(frames)).toEqual(bodies);
      }
    }
    const { decoder, frames } = collect();
    const bytes = [...stream].map((byte) => Buffer.from([byte]));
    expect(feed(decoder, bytes)).toBeUndefined();
    expect(hex(frames)).toEqual(bodies);
  });

  it('delivers several frames from one chunk as views into it, without copying', () => {
    const chunk = Buffer.from(FIXTURES.map((f) => f.frame).join(''), 'hex');
    const { decoder, frames } = collect();
    expect(decoder.push(chunk)).toBeUndefined();
    expect(hex(frames)).toEqual(FIXTURES.map((f) => f.body));
    expect(frames[0]!.buffer).toBe(chunk.buffer);
    expect(frames[0]!.byteOffset).toBe(chunk.byteOffset + 4);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
    expect(frames[1]!.byteOffset).toBe(chunk.byteOffset + 4 + 4 + 4);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('assembles a frame spanning chunks into one allocation of exactly its length', () => {
    const body = Buffer.alloc(1000, 0xab);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    const stream = Buffer.concat([header, body]);
    const { decoder, frames } = collect();
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    for (let pos = 0; pos < stream.length; pos += 97) decoder.push(stream.subarray(pos, pos + 97));
    expect(allocUnsafe.mock.calls).toEqual([[1000]]);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(1000);
    expect(frames[0]!.equals(body)).toBe(true);
    expect(decoder.end()).toBeUndefined();
  });

  it('reports bufferedBytes while a frame is incomplete', () => {
    const { decoder } = collect();
    decoder.push(Buffer.from('0000', 'hex'));
    expect(decoder.bufferedBytes).toBe(2);
    decoder.push(Buffer.from('000508', 'hex'));
    expect(decoder.bufferedBytes).toBe(1);
  });

  describe('oversized frames', () => {
    it('rejects a declared 4 GiB length on the header alone, allocating nothing', () => {
      const header = Buffer.from('ffffffff', 'hex');
      const { decoder, frames } = collect();
      const spies = [
        vi.spyOn(Buffer, 'alloc'),
        vi.spyOn(Buffer, 'allocUnsafe'),
        vi.spyOn(Buffer, 'allocUnsafeSlow'),
        vi.spyOn(Buffer, 'from'),
        vi.spyOn(Buffer, 'concat'),
      ];
      const error = decoder.push(header);
      expect(error?.code).toBe(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
      expect(error?.message).toContain('4294967295');
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      expect(frames).toEqual([]);
    });

    it('rejects as soon as the last header byte arrives when the header is split', () => {
      const { decoder } = collect();
      expect(decoder.push(Buffer.from('ff', 'hex'))).toBeUndefined();
      expect(decoder.push(Buffer.from('ff', 'hex'))).toBeUndefined();
      expect(decoder.push(Buffer.from('ff', 'hex'))).toBeUndefined();
      expect(decoder.push(Buffer.from('ff', 'hex'))?.code).toBe(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
    });

    it('accepts exactly maxFrameBytes and rejects one more', () => {
      const ok = collect(3);
      expect(ok.decoder.push(Buffer.from('00000003aabbcc', 'hex'))).toBeUndefined();
      expect(hex(ok.frames)).toEqual(['aabbcc']);
      const tooBig = collect(3);
      expect(tooBig.decoder.push(Buffer.from('00000004aabbccdd', 'hex'))?.code).toBe(
        ErrorCode.ERROR_CODE_FRAME_TOO_LARGE,
      );
      expect(tooBig.frames).toEqual([]);
    });

    it('delivers the frames before the oversized one, then stays failed', () => {
      const { decoder, frames } = collect(8);
      const error = decoder.push(Buffer.from('00000001aa' + '00000009' + '00000001bb', 'hex'));
      expect(error?.code).toBe(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
      expect(hex(frames)).toEqual(['aa']);
      expect(decoder.push(Buffer.from('00000001cc', 'hex'))).toBe(error);
      expect(decoder.end()).toBe(error);
      expect(decoder.failure).toBe(error);
      expect(hex(frames)).toEqual(['aa']);
    });
  });

  it('delivers a zero-length frame as an empty buffer', () => {
    const { decoder, frames } = collect();
    expect(decoder.push(Buffer.from('00000000' + '00000001aa' + '00000000', 'hex'))).toBeUndefined();
    expect(hex(frames)).toEqual(['', 'aa', '']);
  });

  describe('truncated streams', () => {
    it('reports BAD_FRAME when the stream ends inside a header', () => {
      const { decoder } = collect();
      decoder.push(Buffer.from('000000', 'hex'));
      const error = decoder.end();
      expect(error?.code).toBe(ErrorCode.ERROR_CODE_BAD_FRAME);
      expect(error?.message).toContain('3 of 4');
      expect(decoder.push(Buffer.from('00000000', 'hex'))).toBe(error);
    });

    it('reports BAD_FRAME when the stream ends inside a body', () => {
      const { decoder, frames } = collect();
      decoder.push(Buffer.from('00000001aa' + '00000005aabb', 'hex'));
      const error = decoder.end();
      expect(error?.code).toBe(ErrorCode.ERROR_CODE_BAD_FRAME);
      expect(error?.message).toContain('2 of 5');
      expect(hex(frames)).toEqual(['aa']);
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('ends cleanly at a frame boundary, and ignores input after the end', () => {
      const { decoder, frames } = collect();
      decoder.push(Buffer.from('00000001aa', 'hex'));
      expect(decoder.end()).toBeUndefined();
      expect(decoder.push(Buffer.from('00000001bb', 'hex'))).toBeUndefined();
      expect(hex(frames)).toEqual(['aa']);
    });
  });

  it('stops delivering the rest of a chunk when the sink closes the decoder', () => {
    const frames: string[] = [];
    const decoder: FrameDecoder = new FrameDecoder(
      { maxFrameBytes: MAX },
      {
        onFrame(frame) {
          frames.push(frame.toString('hex'));
          if (frame[0] === 0xbb) decoder.close();
        },
      },
    );
    expect(decoder.push(Buffer.from('00000001aa' + '00000001bb' + '00000001cc', 'hex'))).toBeUndefined();
    expect(decoder.push(Buffer.from('00000001dd', 'hex'))).toBeUndefined();
    expect(frames).toEqual(['aa', 'bb']);
    expect(decoder.end()).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 32])('rejects maxFrameBytes %s at construction', (max) => {
    expect(() => new FrameDecoder({ maxFrameBytes: max }, { onFrame: () => undefined })).toThrow(RangeError);
  });
});
