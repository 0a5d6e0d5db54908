import { ConversationType, Message } from '@switchboard/proto/client';
import { messagePushWithSeq } from '@switchboard/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodedPacket } from './encoded-packet.js';
import { messagePushChunk } from './message-push-chunk.js';
import { WireFormat } from './transport.js';

/** A Message as logic encodes a small group's: without a seq (Message.seq 0). */
const messageArbitrary = fc
  .record({
    messageId: fc.oneof(fc.constant(0), fc.maxSafeNat()),
    conversationSeq: fc.maxSafeNat(),
    id: fc.string({ maxLength: 40 }),
    contentType: fc.string({ maxLength: 10 }),
    // Past 125 and 65,535 bytes a WebSocket frame takes a longer header.
    content: fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 9 },
      { arbitrary: fc.integer({ min: 65_400, max: 65_700 }).map((n) => Buffer.alloc(n, 7)), weight: 1 },
    ),
    clientMsgId: fc.string({ maxLength: 20 }),
  })
  .map(({ messageId, conversationSeq, id, contentType, content, clientMsgId }) =>
    Buffer.from(
      Message.encode(
        Message.fromPartial({
          messageId,
          seq: 0,
          conversation: { type: ConversationType.CONVERSATION_TYPE_GROUP, id },
          contentType,
          content: Buffer.from(content),
          sentAt: 1_700_000_000_000,
          conversationSeq,
          clientMsgId,
        }),
      ).finish(),
    ),
  );

const seqArbitrary = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 }), fc.maxSafeNat());
const formats = Object.values(WireFormat);

describe('messagePushChunk', () => {
  it('is the chunk of the spliced push framed for the connection, whatever the message, seq and format', () => {
    fc.assert(
      fc.property(messageArbitrary, seqArbitrary, fc.constantFrom(...formats), (message, seq, format) => {
        const expected = EncodedPacket.fromBytes(messagePushWithSeq(message, seq)).chunkFor(format);
        const chunk = messagePushChunk(format, message, seq);
        // toEqual walks a 64 KiB Buffer byte by byte; equals compares them at once.
        if (Buffer.isBuffer(expected)) expect(Buffer.isBuffer(chunk) && chunk.equals(expected)).toBe(true);
        else expect(chunk).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
