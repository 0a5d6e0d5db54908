import type { Selectable } from 'kysely';
import type { ApiKeysTable, AppsTable, DevicesTable, MessagesTable, UsersTable } from './db-schema.js';
import type {
  ApiKeyInfo,
  App,
  ConversationMessage,
  ConversationRef,
  ConversationType,
  Device,
  User,
} from './types.js';

export function toApp(row: Selectable<AppsTable>): App {
  return {
    appId: row.app_id,
    name: row.name,
    tokenSecret: row.token_secret,
    previousTokenSecret: row.previous_token_secret,
    previousSecretValidUntil: nullableNumber(row.previous_secret_valid_until),
    webhookUrl: row.webhook_url,
    webhookSecret: row.webhook_secret,
    allowClientTags: nullableFlag(row.allow_client_tags),
    allowClientRoomSends: nullableFlag(row.allow_client_room_sends),
    createdAt: Number(row.created_at),
  };
}

export function toApiKeyInfo(
  row: Pick<Selectable<ApiKeysTable>, 'key_id' | 'name' | 'created_at' | 'revoked_at'>,
): ApiKeyInfo {
  return {
    keyId: row.key_id,
    name: row.name,
    createdAt: Number(row.created_at),
    revokedAt: nullableNumber(row.revoked_at),
  };
}

/** A stored JSON tag list; a value that is not a list of strings reads as no tags. */
export function parseTags(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}

/** MySQL's BOOLEAN is a TINYINT and SQLite stores 0/1: anything but 0 is true; NULL stays null. */
export function nullableFlag(value: number | string | boolean | null): boolean | null {
  return value == null ? null : Number(value) !== 0;
}

function nullableNumber(value: number | string | null): number | null {
  return value == null ? null : Number(value);
}

/** A users row with its user's seq counter (null columns without one). */
export type UserRow = Selectable<UsersTable> & {
  max_seq: number | string | null;
  seq_created_at: number | string | null;
};

export function toUser(row: UserRow): User {
  const createdAt = Number(row.created_at);
  return {
    appId: row.app_id,
    userId: row.user_id,
    nickname: row.nickname,
    avatar: row.avatar,
    extra: row.extra,
    maxSeq: Number(row.max_seq ?? 0),
    tags: parseTags(row.tags),
    tokensValidAfter: Number(row.tokens_valid_after),
    // The user appeared with whichever came first: a profile or tag write, or a first message.
    createdAt: row.seq_created_at == null ? createdAt : Math.min(createdAt, Number(row.seq_created_at)),
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
