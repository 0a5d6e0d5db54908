import { ErrorCode, Packet, PacketType } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './frame-decoder.js';
import { asBuffer, closePacket, errorPacket, pushPacket, responsePacket } from './packet-builders.js';
import { decodePacket } from './packet-codec.js';
import { encodePush, encodePushFrame } from './push-encoding.js';

const request = Packet.create({ type: PacketType.PACKET_TYPE_SEND, requestId: 41, data: Buffer.from('req') });

describe('packet builders', () => {
  it('builds a response echoing the request type and id', () => {
    expect(responsePacket(request, new Uint8Array([1, 2]))).toEqual(
      Packet.create({ type: PacketType.PACKET_TYPE_SEND, requestId: 41, data: Buffer.from([1, 2]) }),
    );
    expect(responsePacket(request).data.length).toBe(0);
  });

  it('builds an error response with a catalog code and no payload', () => {
    expect(errorPacket(request, ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER, 'not a member')).toEqual(
      Packet.create({
        type: PacketType.PACKET_TYPE_SEND,
        requestId: 41,
        code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
        message: 'not a member',
      }),
    );
  });

  it('builds a push with request id 0', () => {
    expect(pushPacket(PacketType.PACKET_TYPE_MESSAGE, Buffer.from('m'))).toEqual(
      Packet.create({ type: PacketType.PACKET_TYPE_MESSAGE, data: Buffer.from('m') }),
    );
  });

  it('sends KICKED for kicks and DISCONNECT for every other close reason', () => {
    expect(closePacket(ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE, 'elsewhere').type).toBe(
      PacketType.PACKET_TYPE_KICKED,
    );
    expect(closePacket(ErrorCode.ERROR_CODE_KICKED_BY_ADMIN, 'bye').type).toBe(PacketType.PACKET_TYPE_KICKED);
    expect(closePacket(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE, 'too big')).toEqual(
      Packet.create({ type: PacketType.PACKET_TYPE_DISCONNECT, code: 201, message: 'too big' }),
    );
  });

  it('views a Uint8Array as a Buffer without copying', () => {
    const backing = new Uint8Array([9, 8, 7, 6]);
    const view = asBuffer(backing.subarray(1, 3));
    expect([...view]).toEqual([8, 7]);
    backing[1] = 0;
    expect(view[0]).toBe(0);
    const buffer = Buffer.from('x');
    expect(asBuffer(buffer)).toBe(buffer);
  });
});

describe('encodePush', () => {
  it('encodes once into a TCP frame and the WebSocket bytes sharing one allocation', () => {
    const push = encodePush(PacketType.PACKET_TYPE_MESSAGE, Buffer.from('hello'));
    expect(push.packet.buffer).toBe(push.frame.buffer);
    expect(push.packet.byteOffset).toBe(push.frame.byteOffset + 4);
    expect(push.frame.readUInt32BE(0)).toBe(push.packet.length);
    expect(decodePacket(push.packet)).toEqual({
      ok: true,
      packet: Packet.create({ type: PacketType.PACKET_TYPE_MESSAGE, data: Buffer.from('hello') }),
    });
  });

  it('produces a frame the FrameDecoder reads back', () => {
    const frame = encodePushFrame(PacketType.PACKET_TYPE_KICKED, new Uint8Array(0));
    const frames: Buffer[] = [];
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 }, { onFrame: (f) => frames.push(f) });
    expect(decoder.push(Buffer.concat([frame, frame]))).toBeUndefined();
    expect(frames.map((f) => decodePacket(f))).toEqual([
      { ok: true, packet: Packet.create({ type: PacketType.PACKET_TYPE_KICKED }) },
      { ok: true, packet: Packet.create({ type: PacketType.PACKET_TYPE_KICKED }) },
    ]);
  });
});
