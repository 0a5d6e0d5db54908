import { ConversationType, Message, Packet, PacketType } from '@switchboard/proto/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messagePushWithSeq, pushPacket } from '@switchboard/protocol';
import type { ConversationMessage, ConversationRef } from '@switchboard/storage';
import {
  fromClientConversation,
  encodeMessageWithoutSeq,
  messagePush,
  toClientConversation,
  toClientMessage,
} from './client-message.js';

const stored: ConversationMessage = {
  messageId: 7,
  conversation: { type: 'user', id: 'alice' },
  conversationSeq: 3,
  senderUserId: 'alice',
  senderDeviceId: 'phone',
  clientMsgId: 'c1',
  contentType: 'text',
  content: new Uint8Array([104, 105]),
  sentAt: 1_700_000_000_000,
};

describe('client-message translation', () => {
  it('reads a request conversation as a domain target, unknown and absent ones as unspecified', () => {
    expect(fromClientConversation({ type: ConversationType.CONVERSATION_TYPE_USER, id: 'bob' })).toEqual({
      type: 'user',
      id: 'bob',
    });
    expect(fromClientConversation({ type: ConversationType.CONVERSATION_TYPE_ROOM, id: 'r' }).type).toBe(
      'room',
    );
    expect(fromClientConversation({ type: ConversationType.CONVERSATION_TYPE_UNSPECIFIED, id: 'x' })).toEqual(
      {
        type: 'unspecified',
        id: 'x',
      },
    );
    expect(fromClientConversation({ type: ConversationType.UNRECOGNIZED, id: 'x' }).type).toBe('unspecified');
    expect(fromClientConversation(undefined)).toEqual({ type: 'unspecified', id: '' });
  });

  it('round-trips every stored conversation type', () => {
    for (const type of ['user', 'group', 'room', 'system'] as const) {
      expect(fromClientConversation(toClientConversation({ type, id: 'i' }))).toEqual({ type, id: 'i' });
    }
  });

  it('encodes a domain message as a MESSAGE push with the receiver’s seq', () => {
    const bytes = messagePush(stored, 42);
    const packet = Packet.decode(bytes);
    expect(packet.type).toBe(PacketType.PACKET_TYPE_MESSAGE);
    expect(Message.decode(packet.data)).toMatchObject({
      messageId: 7,
      seq: 42,
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'alice' },
      sender: { userId: 'alice', deviceId: 'phone' },
      content: Buffer.from('hi'),
      conversationSeq: 3,
      clientMsgId: 'c1',
    });
  });

  it('writes the bytes of a Packet carrying Message.encode of toClientMessage, for any message', () => {
    // messagePush writes the Message's fields itself; this is the generated code's answer.
    const reference = (m: ConversationMessage, seq: number, c: ConversationRef): Buffer =>
      Buffer.from(
        Packet.encode(
          pushPacket(
            PacketType.PACKET_TYPE_MESSAGE,
            Message.encode(toClientMessage({ ...m, conversation: c }, seq)).finish(),
          ),
        ).finish(),
      );
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const ref = fc.record({ type: fc.constantFrom('user', 'group', 'room', 'system' as const), id: text });
    const message: fc.Arbitrary<ConversationMessage> = fc.record({
      messageId: fc.maxSafeNat(),
      conversation: ref,
      conversationSeq: fc.maxSafeNat(),
      senderUserId: text,
      senderDeviceId: text,
      clientMsgId: text,
      contentType: text,
      content: fc.uint8Array({ maxLength: 300 }),
      sentAt: fc.maxSafeInteger(),
    });
    fc.assert(
      fc.property(message, fc.oneof(fc.constant(0), fc.maxSafeNat()), ref, (m, seq, c) => {
        expect(messagePush(m, seq, c)).toEqual(reference(m, seq, c));
        expect(messagePush(m, seq)).toEqual(reference(m, seq, m.conversation));
      }),
    );
  });

  it('writes per-receiver pushes of one message as messagePush does, whatever the seq and ids', () => {
    // What a gate does with a Delivery's message: the same bytes as logic encoding each push.
    const seqs = [0, 1, 127, 128, 300, 16_384, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    for (const messageId of [0, 1, 200, 2 ** 35]) {
      const message = { ...stored, messageId, conversation: { type: 'group' as const, id: 'g1' } };
      const encoded = encodeMessageWithoutSeq(message);
      for (const seq of seqs) expect(messagePushWithSeq(encoded, seq)).toEqual(messagePush(message, seq));
    }
    // A body past 127 bytes takes a two-byte length.
    const long = { ...stored, content: new Uint8Array(300).fill(7) };
    expect(messagePushWithSeq(encodeMessageWithoutSeq(long), 42)).toEqual(messagePush(long, 42));
  });
});
