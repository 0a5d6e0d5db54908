import type { Selectable } from 'kysely';
import type { AppsTable, DevicesTable, MessagesTable, UsersTable } from './db-schema.js';
import type { App, ConversationMessage, ConversationRef, ConversationType, Device, User } from './types.js';

export function toApp(row: Selectable<AppsTable>): App {
  return {
    appId: row.app_id,
    name: row.name,
    tokenSecret: row.token_secret,
    apiKeyHash: row.api_key_hash,
    createdAt: Number(row.created_at),
  };
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    appId: row.app_id,
    userId: row.user_id,
    nickname: row.nickname,
    avatar: row.avatar,
    extra: row.extra,
    maxSeq: Number(row.max_seq),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toDevice(row: Selectable<DevicesTable>): Device {
  return {
    appId: row.app_id,
    userId: row.user_id,
    deviceId: row.device_id,
    platform: row.platform,
    ackedSeq: Number(row.acked_seq),
    lastSignInAt: Number(row.last_sign_in_at),
    createdAt: Number(row.created_at),
  };
}

/** The columns of `messages` every message read selects. */
export const MESSAGE_COLUMNS = [
  'messages.message_id',
  'messages.conversation_type',
  'messages.conversation_id',
  'messages.conversation_seq',
  'messages.sender_user_id',
  'messages.sender_device_id',
  'messages.target_id',
  'messages.client_msg_id',
  'messages.content_type',
  'messages.content',
  'messages.sent_at',
] as const;

type MessageRow = Omit<Selectable<MessagesTable>, 'app_id'>;

/** A stored message as `viewerUserId` sees it. */
export function toConversationMessage(row: MessageRow, viewerUserId: string): ConversationMessage {
  return {
    messageId: Number(row.message_id),
    conversation: conversationSeenBy(row, viewerUserId),
    conversationSeq: Number(row.conversation_seq),
    senderUserId: row.sender_user_id,
    senderDeviceId: row.sender_device_id,
    clientMsgId: row.client_msg_id,
    contentType: row.content_type,
    content: asUint8Array(row.content),
    sentAt: Number(row.sent_at),
  };
}

// In a 1:1 conversation each party sees the other one; a note to oneself shows oneself.
function conversationSeenBy(row: MessageRow, viewerUserId: string): ConversationRef {
  const type = row.conversation_type as ConversationType;
  if (type !== 'user') return { type, id: row.conversation_id };
  if (row.sender_user_id === '') return { type: 'system', id: '' };
  return { type, id: row.sender_user_id === viewerUserId ? row.target_id : row.sender_user_id };
}

// Both drivers hand back a Buffer; callers get a plain view of the same bytes.
function asUint8Array(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The bytes as the drivers want them bound (both take a Buffer, not every Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
