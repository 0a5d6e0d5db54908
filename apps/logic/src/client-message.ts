// Translation between logic's domain types and the client protocol's generated ones, and the one
// packet logic encodes itself: the MESSAGE push, which route hands to gates as bytes by design.
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  ConversationType,
  type Message,
  PacketType,
  ReadReceipt,
  type Conversation,
  type ConversationSummary,
} from '@switchboard/proto/client';
import { encodeToBuffer, writeToBuffer } from '@switchboard/proto/codec';
import { asBuffer, encodePacket, PACKET_DATA_TAG, PACKET_TYPE_TAG, pushPacket } from '@switchboard/protocol';
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
 * A message stored in several inboxes (a small group's write fan-out) as the Message encoded once
 * without a seq: what route and the gates carry for its pushes (UserPacket.message), each member's
 * push being these bytes with their inbox seq spliced in (`messagePushWithSeq`, the bytes
 * {@link messagePush} gives with that seq).
 */
export function encodeMessageWithoutSeq(m: ConversationMessage): Buffer {
  return writeToBuffer(writeMessage, m, 0, m.conversation);
}

/**
 * The MESSAGE push of a domain message with the receiving user's `seq` (0 for a live message that is
 * not stored), showing it in `conversation` (by default the message's own; a 1:1 message shows each
 * party the other as the conversation): what the services call, so that they never build a
 * generated Message themselves.
 */
export function messagePush(
  m: ConversationMessage,
  seq: number,
  conversation: ConversationRef = m.conversation,
): Buffer {
  return writeToBuffer(writeMessagePush, m, seq, conversation);
}

function writeMessagePush(
  writer: BinaryWriter,
  m: ConversationMessage,
  seq: number,
  conversation: ConversationRef,
): void {
  writer.uint32(PACKET_TYPE_TAG).int32(PacketType.PACKET_TYPE_MESSAGE);
  writer.uint32(PACKET_DATA_TAG).fork();
  writeMessage(writer, m, seq, conversation);
  writer.join();
}

/**
 * The Message of {@link toClientMessage} written straight from the domain message: Message.encode's
 * fields in its order, defaults left out (the spec compares the bytes for any message), without a
 * Message, Conversation and Sender object per push (two pushes per 1:1 send).
 */
function writeMessage(writer: BinaryWriter, m: ConversationMessage, seq: number, c: ConversationRef): void {
  if (m.messageId !== 0) writer.uint32(8).uint64(m.messageId);
  if (seq !== 0) writer.uint32(16).uint64(seq);
  writer.uint32(26).fork();
  const type = toProtoType[c.type] ?? ConversationType.CONVERSATION_TYPE_UNSPECIFIED;
  if (type !== ConversationType.CONVERSATION_TYPE_UNSPECIFIED) writer.uint32(8).int32(type);
  if (c.id !== '') writer.uint32(18).string(c.id);
  writer.join();
  writer.uint32(34).fork();
  if (m.senderUserId !== '') writer.uint32(10).string(m.senderUserId);
  if (m.senderDeviceId !== '') writer.uint32(18).string(m.senderDeviceId);
  writer.join();
  if (m.contentType !== '') writer.uint32(42).string(m.contentType);
  if (m.content.length !== 0) writer.uint32(50).bytes(m.content);
  if (m.sentAt !== 0) writer.uint32(56).int64(m.sentAt);
  if (m.conversationSeq !== 0) writer.uint32(64).uint64(m.conversationSeq);
  if (m.clientMsgId !== '') writer.uint32(74).string(m.clientMsgId);
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
