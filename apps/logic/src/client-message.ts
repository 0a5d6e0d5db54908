import { ConversationType, Message, Packet, PacketType, type Conversation } from '@switchboard/proto/client';
import { asBuffer } from '@switchboard/protocol';
import type {
  ConversationMessage,
  ConversationRef,
  ConversationType as StoredType,
} from '@switchboard/storage';

const toProtoType: Record<StoredType, ConversationType> = {
  user: ConversationType.CONVERSATION_TYPE_USER,
  group: ConversationType.CONVERSATION_TYPE_GROUP,
  room: ConversationType.CONVERSATION_TYPE_ROOM,
  system: ConversationType.CONVERSATION_TYPE_SYSTEM,
};

export function toClientConversation(ref: ConversationRef): Conversation {
  return { type: toProtoType[ref.type] ?? ConversationType.CONVERSATION_TYPE_UNSPECIFIED, id: ref.id };
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

/** The MESSAGE push for one receiving user, encoded once for all of that user's devices. */
export function encodeMessagePush(message: Message): Buffer {
  const packet = Packet.encode({
    type: PacketType.PACKET_TYPE_MESSAGE,
    requestId: 0,
    code: 0,
    message: '',
    data: asBuffer(Message.encode(message).finish()),
  }).finish();
  return asBuffer(packet);
}
