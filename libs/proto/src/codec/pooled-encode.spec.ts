import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { type Message as MessageShape, Message, Packet, PacketType } from '../client.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeToBuffer, type MessageEncoder } from './pooled-encode.js';

const reference = (packet: Packet): Buffer => Buffer.from(Packet.encode(packet).finish());

/** Messages with every kind of field: 64-bit integers (signed and not), strings, bytes, nested messages. */
const messageArbitrary: fc.Arbitrary<MessageShape> = fc.record({
  messageId: fc.maxSafeNat(),
  seq: fc.oneof(fc.constant(0), fc.maxSafeNat()),
  conversation: fc.record({
    type: fc.integer({ min: 0, max: 4 }),
    id: fc.string({ unit: 'grapheme', maxLength: 20 }),
  }),
  sender: fc.record({ userId: fc.string({ maxLength: 20 }), deviceId: fc.string({ maxLength: 20 }) }),
  contentType: fc.string({ maxLength: 20 }),
  content: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  sentAt: fc.maxSafeInteger(),
  conversationSeq: fc.maxSafeNat(),
  clientMsgId: fc.string({ maxLength: 40 }),
});

describe('encodeToBuffer', () => {
  it('gives the bytes encode().finish() gives, call after call on the reused writer', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { minLength: 1, maxLength: 8 }), (messages) => {
        const outs = messages.map((m) => encodeToBuffer(Message, m));
        // Every result is still intact after the later calls reused the writer.
        outs.forEach((out, i) =>
          expect(out.equals(Buffer.from(Message.encode(messages[i]!).finish()))).toBe(true),
        );
      }),
    );
  });

  it('keeps working after a message larger than the writer it keeps', () => {
    const big = Packet.create({ type: PacketType.PACKET_TYPE_MESSAGE, data: Buffer.alloc(200_000, 7) });
    const small = Packet.create({ type: PacketType.PACKET_TYPE_HEARTBEAT, requestId: 9 });
    expect(encodeToBuffer(Packet, big).equals(reference(big))).toBe(true);
    expect(encodeToBuffer(Packet, small).equals(reference(small))).toBe(true);
  });

  it('gives a nested call a writer of its own', () => {
    const inner = Message.create({ messageId: 5, content: Buffer.from('hi') });
    // An encoder that encodes another message by encodeToBuffer while the shared writer is in use.
    const outer: MessageEncoder<Packet> = {
      encode(p: Packet, w = new BinaryWriter()) {
        return Packet.encode({ ...p, data: encodeToBuffer(Message, inner) }, w);
      },
    };
    const packet = Packet.create({ type: PacketType.PACKET_TYPE_MESSAGE });
    expect(
      encodeToBuffer(outer, packet).equals(
        reference({ ...packet, data: Buffer.from(Message.encode(inner).finish()) }),
      ),
    ).toBe(true);
  });

  it('starts clean after an encoder threw halfway through a message', () => {
    const failing: MessageEncoder<Packet> = {
      encode(_p: Packet, w = new BinaryWriter()) {
        w.uint32(42).fork().string('half');
        throw new Error('bad field');
      },
    };
    const packet = Packet.create({ type: PacketType.PACKET_TYPE_HEARTBEAT, requestId: 3 });
    expect(() => encodeToBuffer(failing, packet)).toThrow('bad field');
    expect(encodeToBuffer(Packet, packet).equals(reference(packet))).toBe(true);
  });
});
