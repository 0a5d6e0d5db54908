import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { wsFrame, wsFramePayload } from './ws-frame.js';

// ws's frame parser, the one its clients use (not in its typings).
const Receiver = (ws as unknown as { Receiver: unknown }).Receiver as new (options: {
  isServer: boolean;
  maxPayload: number;
}) => EventEmitter & { write(chunk: Buffer): void };

/** Parses `frames` with ws's own receiver, as a client would (unmasked server frames). */
function parse(frames: Buffer[]): Array<{ text: boolean; data: Buffer }> {
  const out: Array<{ text: boolean; data: Buffer }> = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  receiver.on('message', (data: Buffer, isBinary: boolean) => out.push({ text: !isBinary, data }));
  receiver.on('error', (err: Error) => {
    throw err;
  });
  for (const f of frames) receiver.write(f);
  return out;
}

describe('wsFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 100_000])(
    'frames a %i-byte binary payload as ws reads it',
    (size) => {
      const payload = Buffer.alloc(size, 0xab);
      const frame = wsFrame(payload);
      const [message, ...rest] = parse([frame]);
      expect(rest).toEqual([]);
      expect(message!.text).toBe(false);
      expect(message!.data.equals(payload)).toBe(true);
      const parsed = wsFramePayload(frame);
      expect(parsed.text).toBe(false);
      expect(parsed.payload.equals(payload)).toBe(true);
    },
  );

  it('frames a string as a text message of its UTF-8 bytes', () => {
    const text = '{"message":"héllo ✓"}'.repeat(10);
    const frame = wsFrame(text);
    expect(parse([frame])).toEqual([{ text: true, data: Buffer.from(text) }]);
    expect(wsFramePayload(frame).payload.toString()).toBe(text);
  });
});
