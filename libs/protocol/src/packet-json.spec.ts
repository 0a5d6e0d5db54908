import {
  ErrorCode,
  Packet,
  PacketType,
  SendRequest,
  SignInRequest,
  SignInResponse,
} from '@switchboard/proto/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetArbitrary } from './packet-arbitrary.js';
import { packetFromJson, packetToJson } from './packet-json.js';

describe('proto3 JSON Packets (subprotocol switchboard.v1.json)', () => {
  it('writes enum names, base64 data, and omits default fields', () => {
    const packet = Packet.create({
      type: PacketType.PACKET_TYPE_SEND,
      requestId: 300,
      data: Buffer.from('hi'),
    });
    expect(packetToJson(packet)).toBe('{"type":"PACKET_TYPE_SEND","requestId":300,"data":"aGk="}');
    expect(packetToJson(Packet.create({ type: PacketType.PACKET_TYPE_HEARTBEAT }))).toBe(
      '{"type":"PACKET_TYPE_HEARTBEAT"}',
    );
  });

  it('writes an unknown type as its number', () => {
    expect(packetToJson(Packet.create({ type: 99 as PacketType }))).toBe('{"type":99}');
  });

  it('round-trips any Packet of a known type, in both directions', () => {
    fc.assert(
      fc.property(
        packetArbitrary,
        fc.constantFrom('to-server' as const, 'to-client' as const),
        (packet, direction) => {
          expect(packetFromJson(packetToJson(packet, direction), direction)).toEqual({ ok: true, packet });
        },
      ),
    );
  });

  it('shows payloads as objects a person can read, and accepts them as input', () => {
    const response = Packet.create({
      type: PacketType.PACKET_TYPE_SIGN_IN,
      requestId: 1,
      data: Buffer.from(
        SignInResponse.encode(SignInResponse.fromPartial({ userId: 'alice', maxSeq: 3 })).finish(),
      ),
    });
    expect(JSON.parse(packetToJson(response, 'to-client'))).toEqual({
      type: 'PACKET_TYPE_SIGN_IN',
      requestId: 1,
      data: { userId: 'alice', maxSeq: 3 },
    });
    const typed = packetFromJson(
      '{"type":"PACKET_TYPE_SIGN_IN","requestId":1,"data":{"token":"t","deviceId":"d1","tags":["vip"]}}',
      'to-server',
    );
    expect(typed.ok && SignInRequest.decode(typed.packet.data)).toMatchObject({
      token: 't',
      deviceId: 'd1',
      tags: ['vip'],
    });
    const heartbeat = packetFromJson('{"type":"PACKET_TYPE_HEARTBEAT","data":{}}');
    expect(heartbeat).toMatchObject({ ok: false, error: { code: ErrorCode.ERROR_CODE_INVALID_PACKET } });
  });

  it('accepts what a person types: decimal-string ids, snake_case names, integers for enums, nulls', () => {
    expect(packetFromJson('{"type":"PACKET_TYPE_SYNC","request_id":"12","code":"0","data":null}')).toEqual({
      ok: true,
      packet: Packet.create({ type: PacketType.PACKET_TYPE_SYNC, requestId: 12 }),
    });
    expect(packetFromJson('{"type":2,"requestId":3,"data":"-_8"}')).toEqual({
      ok: true,
      packet: Packet.create({
        type: PacketType.PACKET_TYPE_HEARTBEAT,
        requestId: 3,
        data: Buffer.from([0xfb, 0xff]),
      }),
    });
  });

  it('takes SEND content as base64, standard or URL-safe, and keeps its bytes exactly', () => {
    for (const content of ['aGkgYm9i', 'aGkgYm9', '-_8=', '']) {
      const r = packetFromJson(
        JSON.stringify({ type: 'PACKET_TYPE_SEND', requestId: 1, data: { clientMsgId: 'm', content } }),
      );
      expect(r.ok).toBe(true);
      const sent = SendRequest.decode(r.ok ? r.packet.data : new Uint8Array());
      expect(Buffer.from(sent.content)).toEqual(Buffer.from(content, 'base64'));
    }
  });

  it.each([
    ['not JSON', '{"type":'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"PACKET_TYPE_SYNC"'],
    ['an unknown field', '{"type":"PACKET_TYPE_SYNC","requestID":1}'],
    ['a field given twice under both names', '{"type":2,"requestId":1,"request_id":2}'],
    ['an unknown type name', '{"type":"PACKET_TYPE_NOPE"}'],
    ['the UNRECOGNIZED pseudo-name', '{"type":"UNRECOGNIZED"}'],
    ['a negative request id', '{"type":2,"requestId":-1}'],
    ['a fractional request id', '{"type":2,"requestId":1.5}'],
    ['a request id above 2^53', '{"type":2,"requestId":"18446744073709551615"}'],
    ['a boolean request id', '{"type":2,"requestId":true}'],
    ['a code beyond int32', '{"type":2,"code":2147483648}'],
    ['a non-string message', '{"type":2,"message":5}'],
    ['data that is not base64', '{"type":2,"data":"not base64!"}'],
    ['data of impossible length', '{"type":2,"data":"QUJDR"}'],
    ['data that is not a string', '{"type":2,"data":[1,2]}'],
    // Not stored mangled: the generated decoder would keep "hi bob!" as four odd bytes.
    [
      'send content that is not base64',
      '{"type":"PACKET_TYPE_SEND","requestId":1,"data":{"content":"hi bob!"}}',
    ],
    ['send content that is not a string', '{"type":"PACKET_TYPE_SEND","requestId":1,"data":{"content":5}}'],
    // Not read as no conversation at all ("conversation is required" from the server).
    [
      'a send conversation that is a string',
      '{"type":"PACKET_TYPE_SEND","requestId":1,"data":{"conversation":"bob"}}',
    ],
    [
      'a read conversation that is an array',
      '{"type":"PACKET_TYPE_READ","requestId":1,"data":{"conversation":[]}}',
    ],
    [
      'a history conversation that is a number',
      '{"type":"PACKET_TYPE_HISTORY","requestId":1,"data":{"conversation":7}}',
    ],
  ])('rejects %s as ERROR_CODE_INVALID_PACKET', (_name, text) => {
    const result = packetFromJson(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.code).toBe(ErrorCode.ERROR_CODE_INVALID_PACKET);
  });

  it('names the field whose object was given as something else', () => {
    expect(packetFromJson('{"type":"PACKET_TYPE_SEND","requestId":1,"data":{"conversation":"bob"}}')).toEqual(
      {
        ok: false,
        error: {
          code: ErrorCode.ERROR_CODE_INVALID_PACKET,
          message:
            'invalid Packet JSON: data.conversation must be an object such as {"type": "CONVERSATION_TYPE_USER", "id": "bob"}',
        },
      },
    );
  });

  it('reports a well-formed Packet of unknown type as ERROR_CODE_UNKNOWN_PACKET_TYPE with the packet', () => {
    expect(packetFromJson('{"type":42,"requestId":9}')).toEqual({
      ok: false,
      packet: Packet.create({ type: 42 as PacketType, requestId: 9 }),
      error: { code: ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE, message: 'unknown packet type 42' },
    });
    const empty = packetFromJson('{}');
    expect(empty.ok ? undefined : empty.error.code).toBe(ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = packetFromJson(text);
        if (!result.ok) {
          expect([ErrorCode.ERROR_CODE_INVALID_PACKET, ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE]).toContain(
            result.error.code,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
