// Translation between logic's domain types and the client protocol's generated ones, and the one
// packet logic encodes itself: the MESSAGE push, which route hands to gates as bytes by design.
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  ConversationType,
  Message,
  PacketType,
  ReadReceipt,
  type Conversation,
  type ConversationSummary,
} from '@switchboard/proto/client';
import { encodeToBuffer, type MessageEncoder } from '@switchboard/proto/codec';
import { asBuffer, encodePacket, pushPacket } from '@switchboard/protocol';
import type {
  ConversationMessage,
  ConversationRef,
  ConversationSummary as DomainSummary,
  ConversationType as StoredType,
} from '@switchboard/storage';
import type { ConversationTarget } from './domain.js';

const toProtoType: Record<StoredType, ConversationType> = {
  user: ConversationType.CONVERSATION_TYPE_USER,
  group: ConversationType.CONVERSATION_TYPE_GROUP,
  room: ConversationType.CONVERSATION_TYPE_ROOM,
  system: ConversationType.CONVERSATION_TYPE_SYSTEM,
};

const fromProtoType: Partial<Record<ConversationType, StoredType>> = {
  [ConversationType.CONVERSATION_TYPE_USER]: 'user',
  [ConversationType.CONVERSATION_TYPE_GROUP]: 'group',
  [ConversationType.CONVERSATION_TYPE_ROOM]: 'room',
  [ConversationType.CONVERSATION_TYPE_SYSTEM]: 'system',
};

export function toClientConversation(ref: ConversationRef): Conversation {
  return { type: toProtoType[ref.type] ?? ConversationType.CONVERSATION_TYPE_UNSPECIFIED, id: ref.id };
}

/** A request's conversation as the domain names it; absent, it is an unspecified one with no id. */
export function fromClientConversation(c: Conversation | undefined): ConversationTarget {
  return { type: (c && fromProtoType[c.type]) ?? 'unspecified', id: c?.id ?? '' };
}

/** A stored message as the client protocol's Message, with the receiving user's seq. */
export function toClientMessage(m: ConversationMessage, seq: number): Message {
  return {
    messageId: m.messageId,
    seq,
    conversation: toClientConversation(m.conversation),
    sender: { userId: m.senderUserId, deviceId: m.senderDeviceId },
    contentType: m.contentType,
    content: asBuffer(m.content),
    sentAt: m.sentAt,
    conversationSeq: m.conversationSeq,
    clientMsgId: m.clientMsgId,
  };
}

/**
 * The MESSAGE push for one receiving user, encoded once for all of that user's devices. The Message
 * is written inside the Packet by the same writer (what ts-proto does for a nested message): the
 * same bytes as a Packet carrying the encoded Message, with one writer and no Packet object per
 * push (two pushes per 1:1 send).
 */
export function encodeMessagePush(message: Message): Buffer {
  return encodeToBuffer(MESSAGE_PUSH, message);
}

const MESSAGE_PUSH: MessageEncoder<Message> = {
  encode(message: Message, writer = new BinaryWriter()): BinaryWriter {
    writer.uint32(PACKET_TYPE_TAG).int32(PacketType.PACKET_TYPE_MESSAGE);
    writer.uint32(PACKET_DATA_TAG).fork();
    Message.encode(message, writer);
    return writer.join();
  },
};

/** Packet.type (field 1, varint) and Packet.data (field 5, length-delimited), as keys on the wire. */
const PACKET_TYPE_TAG = (1 << 3) | 0;
const PACKET_DATA_TAG = (5 << 3) | 2;

/**
 * A message stored in several inboxes (a small group's write fan-out) as the Message encoded once
 * without a seq: what route and the gates carry for its pushes (UserPacket.message), each member's
 * push being these bytes with their inbox seq spliced in (`messagePushWithSeq`, the bytes
 * {@link messagePush} gives with that seq).
 */
export function encodeMessageWithoutSeq(m: ConversationMessage): Buffer {
  return encodeToBuffer(Message, toClientMessage(m, 0));
}

/**
 * The MESSAGE push of a domain message with the receiving user's `seq` (0 for a live message that is
 * not stored): what the services call, so that they never build a generated Message themselves.
 */
export function messagePush(m: ConversationMessage, seq: number): Buffer {
  return encodeMessagePush(toClientMessage(m, seq));
}

/** The READ_RECEIPT push: the same bytes for every device that gets it. */
export function readReceiptPush(
  conversation: ConversationRef,
  userId: string,
  deviceId: string,
  readSeq: number,
): Buffer {
  const receipt = { conversation: toClientConversation(conversation), userId, readSeq, deviceId };
  return encodedPush(PacketType.PACKET_TYPE_READ_RECEIPT, encodeToBuffer(ReadReceipt, receipt));
}

/** A push packet (request id 0) as the bytes route hands to gates. */
function encodedPush(type: PacketType, data: Uint8Array): Buffer {
  return asBuffer(encodePacket(pushPacket(type, data)));
}

/** A conversation of the list as the client protocol's ConversationSummary. */
export function toClientSummary(c: DomainSummary): ConversationSummary {
  return {
    conversation: toClientConversation(c.conversation),
    lastMessage: c.lastMessage ? toClientMessage(c.lastMessage, 0) : undefined,
    maxSeq: c.maxSeq,
    readSeq: c.readSeq,
    unreadCount: c.unreadCount,
    large: c.large,
    lastActiveAt: c.lastActiveAt,
    joinSeq: c.joinSeq,
  };
}
