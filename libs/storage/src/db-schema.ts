import type { Generated } from 'kysely';

/**
 * The tables as kysely sees them. Column names are the SQL ones; repositories map rows to the
 * domain types in `types.ts`. Numbers may come back from mysql2 as strings when they exceed
 * 2^53, so mappers always pass them through `Number`.
 */
export interface Database {
  apps: AppsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  user_seqs: UserSeqsTable;
  devices: DevicesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  inbox: InboxTable;
  send_dedupe: SendDedupeTable;
  groups: GroupsTable;
  conversation_members: ConversationMembersTable;
}

export interface AppsTable {
  app_id: string;
  name: string;
  token_secret: string;
  /** Deprecated since 0002 (keys live in `api_keys`); never read or written. */
  api_key_hash: Generated<string | null>;
  created_at: number;
  previous_token_secret: Generated<string | null>;
  previous_secret_valid_until: Generated<number | null>;
  webhook_url: Generated<string | null>;
  webhook_secret: Generated<string | null>;
  /** 1/0 (MySQL may hand back a boolean-ish number); NULL means the global default. */
  allow_client_tags: Generated<number | null>;
  /** 1/0 like `allow_client_tags`; NULL means the global default. */
  allow_client_room_sends: Generated<number | null>;
}

export interface ApiKeysTable {
  key_id: string;
  app_id: string;
  /** Hex SHA-256 of the whole key. */
  key_hash: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export interface UsersTable {
  app_id: string;
  user_id: string;
  nickname: string;
  avatar: string;
  extra: string;
  created_at: number;
  updated_at: number;
  /** JSON array of strings: tags the server gives every connection of the user. */
  tags: Generated<string>;
  /** Tokens issued before this time (Unix ms) are refused; 0 when none were revoked. */
  tokens_valid_after: Generated<number>;
}

/** A user's inbox seq counter (since 0006; in `users` before): created with its first inbox entry. */
export interface UserSeqsTable {
  app_id: string;
  user_id: string;
  max_seq: Generated<number>;
  /** When the user's first inbox entry was written (a message sent or received). */
  created_at: number;
}

export interface DevicesTable {
  app_id: string;
  user_id: string;
  device_id: string;
  platform: string;
  acked_seq: Generated<number>;
  last_sign_in_at: number;
  created_at: number;
}

export interface ConversationsTable {
  app_id: string;
  conversation_type: string;
  conversation_id: string;
  /** The per-conversation seq counter. */
  max_seq: Generated<number>;
  created_at: number;
}

export interface MessagesTable {
  message_id: Generated<number>;
  app_id: string;
  conversation_type: string;
  conversation_id: string;
  conversation_seq: number;
  sender_user_id: string;
  sender_device_id: string;
  /** The recipient user for 1:1 messages; the group or room id otherwise. */
  target_id: string;
  client_msg_id: string;
  content_type: string;
  content: Uint8Array;
  sent_at: number;
}

export interface InboxTable {
  app_id: string;
  user_id: string;
  seq: number;
  message_id: number;
}

export interface SendDedupeTable {
  app_id: string;
  sender_user_id: string;
  client_msg_id: string;
  message_id: number;
  /*
   * sender_seq and recipient_seq (0001) are unused since 0003: a duplicate's inbox seqs are read
   * from `inbox`. MySQL keeps them with DEFAULT 0 for a rolling upgrade; SQLite dropped them.
   */
  conversation_seq: number;
  sent_at: number;
}

export interface GroupsTable {
  app_id: string;
  group_id: string;
  name: string;
  owner_user_id: string;
  extra: string;
  member_count: Generated<number>;
  /** 1/0: read fan-out. */
  large: Generated<number>;
  dissolved_at: number | null;
  created_at: number;
  updated_at: number;
}

/**
 * What a user has in one conversation: a group membership (type 'group', id = group id, with a
 * role) or a 1:1/system conversation (type 'user', id = the stored key, role ''). See 0004.
 */
export interface ConversationMembersTable {
  app_id: string;
  user_id: string;
  conversation_type: string;
  conversation_id: string;
  role: string;
  joined_at: number;
  /** The conversation seq when the user joined (0 for 1:1 and system conversations). */
  join_seq: Generated<number>;
  /** The user's read cursor, a conversation seq. */
  read_seq: Generated<number>;
}
