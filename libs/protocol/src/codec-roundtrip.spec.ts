import { ErrorCode, type Packet } from '@switchboard/proto/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './frame-decoder.js';
import { cutsArbitrary, packetArbitrary, splitAt } from './packet-arbitrary.js';
import { decodePacket, encodePacketFrame } from './packet-codec.js';
import { type ProtocolError } from './protocol-error.js';

// The whole TCP path: encode, frame, concatenate, cut into arbitrary chunks, decode.
describe('framing and Packet codec together', () => {
  it('decodes framed, concatenated Packets cut into random chunks back to the same Packets', () => {
    const streamArbitrary = fc.array(packetArbitrary, { maxLength: 12 }).chain((packets) => {
      const stream = Buffer.concat(packets.map(encodePacketFrame));
      return fc.tuple(fc.constant(packets), fc.constant(stream), cutsArbitrary(stream.length));
    });
    fc.assert(
      fc.property(streamArbitrary, ([packets, stream, cuts]) => {
        const decoded: Packet[] = [];
        const decoder = new FrameDecoder(
          { maxFrameBytes: 64 * 1024 },
          {
            onFrame(frame) {
              const result = decodePacket(frame);
              if (!result.ok) throw new Error(result.error.message);
              decoded.push(result.packet);
            },
          },
        );
        for (const chunk of splitAt(stream, cuts)) expect(decoder.push(chunk)).toBeUndefined();
        expect(decoder.end()).toBeUndefined();
        expect(decoded).toEqual(packets);
      }),
      { numRuns: 300 },
    );
  });

  it('turns garbage streams into error values, never a throw', () => {
    const garbageArbitrary = fc
      .uint8Array({ maxLength: 400 })
      .chain((bytes) => fc.tuple(fc.constant(Buffer.from(bytes)), cutsArbitrary(bytes.length)));
    fc.assert(
      fc.property(garbageArbitrary, ([stream, cuts]) => {
        const packetErrors: ProtocolError[] = [];
        const decoder = new FrameDecoder(
          { maxFrameBytes: 64 },
          {
            onFrame(frame) {
              const result = decodePacket(frame);
              if (!result.ok) packetErrors.push(result.error);
            },
          },
        );
        let frameError: ProtocolError | undefined;
        for (const chunk of splitAt(stream, cuts)) frameError = decoder.push(chunk) ?? frameError;
        frameError = decoder.end() ?? frameError;
        if (frameError !== undefined) {
          expect([ErrorCode.ERROR_CODE_FRAME_TOO_LARGE, ErrorCode.ERROR_CODE_BAD_FRAME]).toContain(
            frameError.code,
          );
        }
        for (const error of packetErrors) {
          expect([ErrorCode.ERROR_CODE_INVALID_PACKET, ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE]).toContain(
            error.code,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
