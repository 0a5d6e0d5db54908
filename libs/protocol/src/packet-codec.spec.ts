import { ErrorCode, Packet, PacketType } from '@switchboard/proto/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, encodePacketFrame, isKnownPacketType } from './packet-codec.js';
import { packetArbitrary } from './packet-arbitrary.js';

const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

describe('encodePacket / decodePacket', () => {
  it('encodes a Packet to the protobuf bytes of the spec', () => {
    const packet = Packet.create({
      type: PacketType.PACKET_TYPE_SEND,
      requestId: 300,
      data: bytes('0a0161'),
    });
    expect(Buffer.from(encodePacket(packet)).toString('hex')).toBe('080310ac022a030a0161');
    expect(encodePacketFrame(packet).toString('hex')).toBe('0000000a080310ac022a030a0161');
  });

  it('decodes the bytes of the spec', () => {
    const result = decodePacket(bytes('080c18c9012207746f6f20626967'));
    expect(result).toEqual({
      ok: true,
      packet: Packet.create({ type: PacketType.PACKET_TYPE_DISCONNECT, code: 201, message: 'too big' }),
    });
  });

  it('round-trips any Packet of a known type', () => {
    fc.assert(
      fc.property(packetArbitrary, (packet) => {
        expect(decodePacket(encodePacket(packet))).toEqual({ ok: true, packet });
      }),
    );
  });

  it('skips unknown fields, as proto3 requires for forward compatibility', () => {
    // type HEARTBEAT, then field 15 varint 1, then field 16 bytes "x"
    const result = decodePacket(bytes('0802' + '7801' + '820101' + '78'));
    expect(result).toEqual({ ok: true, packet: Packet.create({ type: PacketType.PACKET_TYPE_HEARTBEAT }) });
  });

  describe('invalid protobuf is ERROR_CODE_INVALID_PACKET', () => {
    it.each([
      ['field number 0', '00'],
      ['a zero tag after a valid field', '080200'],
      ['a stray end-group tag', '08020c'],
      ['wire type 6', '0e'],
      ['wire type 7', '0f'],
      ['a truncated varint', '08ff'],
      ['a tag with no value', '08'],
      ['a length beyond the end', '2a0561'],
      ['a length-delimited field with no length', '2a'],
      ['an unterminated group', '0b'],
      ['a varint longer than 10 bytes', '10ffffffffffffffffffff01'],
      ['a request id above 2^53', '10ffffffffffffffffff01'],
      ['invalid UTF-8 in message', '08022202c328'],
      ['a truncated fixed64', '09aabb'],
    ])('%s', (_name, hex) => {
      const result = decodePacket(bytes(hex));
      expect(result.ok).toBe(false);
      expect(result.ok ? undefined : result.error.code).toBe(ErrorCode.ERROR_CODE_INVALID_PACKET);
      expect(result.ok ? undefined : result.packet).toBeUndefined();
    });

    it('while the generated decoder alone accepts some of them silently', () => {
      // This is why decodePacket walks the tags strictly first.
      expect(Packet.decode(bytes('080200')).type).toBe(PacketType.PACKET_TYPE_HEARTBEAT);
      expect(Packet.decode(bytes('08022202c328')).message).toBe('\ufffd(');
    });
  });

  describe('well-formed packets of unknown type are ERROR_CODE_UNKNOWN_PACKET_TYPE', () => {
    it('keeps the decoded packet so its request can be answered', () => {
      const result = decodePacket(bytes('0863' + '1005'));
      expect(result).toEqual({
        ok: false,
        packet: Packet.create({ type: 99 as PacketType, requestId: 5 }),
        error: { code: ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE, message: 'unknown packet type 99' },
      });
    });

    it('treats an empty body as a Packet with every field at its default, of unspecified type', () => {
      const result = decodePacket(new Uint8Array(0));
      expect(result.ok).toBe(false);
      expect(result.ok ? undefined : result.error.code).toBe(ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE);
      expect(result.ok ? undefined : result.packet).toEqual(Packet.create());
    });

    it('rejects negative types', () => {
      const result = decodePacket(encodePacket(Packet.create({ type: -1 })));
      expect(result.ok ? undefined : result.error.code).toBe(ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE);
    });
  });

  it('returns an error value for any garbage, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => {
        const result = decodePacket(garbage);
        if (!result.ok) {
          expect([ErrorCode.ERROR_CODE_INVALID_PACKET, ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE]).toContain(
            result.error.code,
          );
        } else {
          expect(isKnownPacketType(result.packet.type)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('knows exactly the non-zero PacketType values', () => {
    expect(isKnownPacketType(PacketType.PACKET_TYPE_SIGN_IN)).toBe(true);
    expect(isKnownPacketType(PacketType.PACKET_TYPE_DISCONNECT)).toBe(true);
    expect(isKnownPacketType(PacketType.PACKET_TYPE_UNSPECIFIED)).toBe(false);
    expect(isKnownPacketType(PacketType.UNRECOGNIZED)).toBe(false);
    const largest = Math.max(...Object.values(PacketType).filter((v) => typeof v === 'number'));
    expect(isKnownPacketType(largest)).toBe(true);
    expect(isKnownPacketType(largest + 1)).toBe(false);
    expect(isKnownPacketType(1.5)).toBe(false);
  });
});
