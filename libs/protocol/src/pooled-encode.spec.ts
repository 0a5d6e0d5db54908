import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Message, Packet, PacketType } from '@switchboard/proto/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetArbitrary } from './packet-arbitrary.js';
import { encodeToBuffer, type MessageEncoder } from './pooled-encode.js';

const reference = (packet: Packet): Buffer => Buffer.from(Packet.encode(packet).finish());

describe('encodeToBuffer', () => {
  it('gives the bytes encode().finish() gives, call after call on the reused writer', () => {
    fc.assert(
      fc.property(fc.array(packetArbitrary, { minLength: 1, maxLength: 8 }), (packets) => {
        const outs = packets.map((p) => encodeToBuffer(Packet, p));
        // Every result is still intact after the later calls reused the writer.
        outs.forEach((out, i) => expect(out.equals(reference(packets[i]!))).toBe(true));
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
