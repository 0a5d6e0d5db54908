/** Domain types of the storage layer. Ids are strings chosen by tenants; seqs, message ids and times are numbers (safe up to 2^53). */

/**
 * The kinds of conversation a message belongs to. `system` is a user's conversation with the app's
 * servers (business API sends with no sender): stored like a 1:1 conversation with the empty user.
 */
export type ConversationType = 'user' | 'group' | 'room' | 'system';

/**
 * A conversation as one user sees it: for `user` conversations `id` is the other party's user id
 * (oneself for notes to self); for `system` it is empty.
 */
export interface ConversationRef {
  type: ConversationType;
  id: string;
}

/** A tenant. */
export interface App {
  appId: string;
  name: string;
  /** HS256 secret that signs the app's client tokens. */
  tokenSecret: string;
  /** The secret before the last rotation, or null; it still verifies tokens until `previousSecretValidUntil`. */
  previousTokenSecret: string | null;
  /** Unix milliseconds until which `previousTokenSecret` is accepted (exclusive); null when there is none. */
  previousSecretValidUntil: number | null;
  /** Where the app's webhook events are posted, or null when it has no webhook. */
  webhookUrl: string | null;
  /** Secret that signs the webhook requests, or null. */
  webhookSecret: string | null;
  /** Whether clients may declare their own tags at sign-in; null means the global config default. */
  allowClientTags: boolean | null;
  /** Whether clients may send to rooms; null means the global config default. */
  allowClientRoomSends: boolean | null;
  /** Unix milliseconds. */
  createdAt: number;
}

export interface NewApp {
  appId: string;
  name: string;
  tokenSecret: string;
}

/** Settings `AppRepository.updateSettings` changes: absent fields stay, null clears. */
export interface AppSettingsUpdate {
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  allowClientTags?: boolean | null;
  allowClientRoomSends?: boolean | null;
}

/** What `ApiKeyRepository.create` asks for. */
export interface NewApiKey {
  appId: string;
  /** A label for operators, e.g. "ci" or "backend-eu"; may be empty. */
  name: string;
}

/** A key just created: the only time the full key is available. */
export interface CreatedApiKey {
  keyId: string;
  /** The full key (`sb_<keyId>_<secret>`); only its hash is stored, so show it once. */
  key: string;
  name: string;
  createdAt: number;
}

/** What listing an app's keys shows: never the key or its hash. */
export interface ApiKeyInfo {
  keyId: string;
  name: string;
  createdAt: number;
  /** Unix milliseconds of the revocation, or null while the key is active. */
  revokedAt: number | null;
}

/** An active key as authentication needs it: compare `keyHash` with `hashApiKey(presented)`. */
export interface ActiveApiKey {
  appId: string;
  keyId: string;
  keyHash: string;
}

/** Profile fields of a user; absent fields are left as they are on update and empty on create. */
export interface UserProfileInput {
  appId: string;
  userId: string;
  nickname?: string;
  avatar?: string;
  /** Opaque application data, typically JSON. */
  extra?: string;
}

export interface User {
  appId: string;
  userId: string;
  nickname: string;
  avatar: string;
  extra: string;
  /** The highest inbox seq handed out to this user (0 when none). */
  maxSeq: number;
  /** Tags the server gives every connection of the user, besides the token's and the client's. */
  tags: string[];
  /** Tokens issued before this time (Unix ms) are refused; 0 when none were revoked. */
  tokensValidAfter: number;
  createdAt: number;
  updatedAt: number;
}

export interface Device {
  appId: string;
  userId: string;
  deviceId: string;
  platform: string;
  /** The highest inbox seq this device has acknowledged. */
  ackedSeq: number;
  lastSignInAt: number;
  createdAt: number;
}

export interface DeviceSignIn {
  appId: string;
  userId: string;
  deviceId: string;
  platform: string;
}

export interface SignInResult {
  /** Where the device's ack cursor stands: it should sync from here. */
  ackedSeq: number;
  /** The user's current highest inbox seq. */
  maxSeq: number;
  /** The user's server-side tags (empty for a user without a row). */
  tags: string[];
  /** The user's `tokensValidAfter` (0 for a user without a row): refuse tokens issued before it. */
  tokensValidAfter: number;
}

/**
 * A conversation as stored, the same for every member: for `user` conversations `key` is
 * `directConversationId` of the two users (a message from the system is stored in the `user`
 * conversation of its recipient with the empty user); for `group` it is the group id.
 */
export interface StoredConversation {
  type: 'user' | 'group';
  key: string;
}

/** One message to append to a conversation and to the inboxes of some users (`MessageRepository.append`). */
export interface AppendInput {
  appId: string;
  conversation: StoredConversation;
  /** Empty, with an empty `senderDeviceId`, for a message from the system. */
  senderUserId: string;
  /** Empty for a send the app's servers made on the user's behalf (no device sent it). */
  senderDeviceId: string;
  /** What the sender addressed: the recipient user for 1:1 messages, the group id for a group. */
  targetId: string;
  /** Chosen by the sender's client; appends are idempotent on (appId, senderUserId, clientMsgId). */
  clientMsgId: string;
  contentType: string;
  content: Uint8Array;
  /** Unix milliseconds, decided by the caller. */
  sentAt: number;
  /**
   * The users who get an inbox entry, each once, in the order their seqs are reported. May be
   * empty: the message then only takes a conversation seq (read fan-out).
   */
  inboxUserIds: readonly string[];
}

export interface AppendResult {
  messageId: number;
  /** The conversation the message was stored in (the first send's, for a duplicate). */
  conversation: StoredConversation;
  conversationSeq: number;
  /**
   * Each user's inbox seq for this message, aligned with the input's `inboxUserIds`. For a
   * duplicate these are the entries the first send made; a user it gave no entry gets 0.
   */
  inboxSeqs: number[];
  sentAt: number;
  /** True when this append repeats an earlier one (same clientMsgId); all other fields are the first one's. */
  duplicate: boolean;
}

/** One 1:1 send, as the logic service hands it over after authentication. */
export interface DirectSendInput {
  appId: string;
  /** Empty, with an empty `senderDeviceId`, for a message from the system: only the recipient gets it. */
  senderUserId: string;
  senderDeviceId: string;
  recipientUserId: string;
  /** Chosen by the sender's client; sends are idempotent on (appId, senderUserId, clientMsgId). */
  clientMsgId: string;
  contentType: string;
  content: Uint8Array;
  /** Unix milliseconds, decided by the caller. */
  sentAt: number;
}

export interface DirectSendResult {
  messageId: number;
  /** The sender's inbox seq for this message; 0 for a message from the system. */
  senderSeq: number;
  /** The recipient's inbox seq; equal to `senderSeq` for a message to oneself. */
  recipientSeq: number;
  conversationSeq: number;
  /** The stored conversation key (see `directConversationId`), the same for both parties. */
  conversationId: string;
  sentAt: number;
  /**
   * True when this send repeats an earlier one (same clientMsgId); all other fields are the first
   * send's, except that a repeat naming another recipient answers `recipientSeq` 0 (that user has
   * no inbox entry for the message).
   */
  duplicate: boolean;
}

/** A stored message as one user sees it. */
export interface ConversationMessage {
  messageId: number;
  conversation: ConversationRef;
  conversationSeq: number;
  senderUserId: string;
  senderDeviceId: string;
  clientMsgId: string;
  contentType: string;
  content: Uint8Array;
  sentAt: number;
}

/** A message in a user's inbox, with that user's seq. */
export interface InboxMessage extends ConversationMessage {
  seq: number;
}

export interface SyncResult {
  /** In ascending seq order. */
  messages: InboxMessage[];
  /** More messages follow the last one returned: sync again from its seq. */
  hasMore: boolean;
  /** The user's highest seq at the time of the read. */
  maxSeq: number;
}

export interface HistoryQuery {
  appId: string;
  /** The user reading; the conversation is as this user sees it. */
  userId: string;
  conversation: ConversationRef;
  /** Return messages with a conversation seq below this one; 0 means from the newest. */
  beforeSeq: number;
  /** Return only messages with a conversation seq above this one (a group member's joinSeq); default 0. */
  afterSeq?: number;
  limit: number;
  /** Byte bound of the page (see `messageBytes`); absent means bounded by `limit` only. */
  maxBytes?: number;
}

export interface HistoryResult {
  /** In DESCENDING conversation seq order (newest first); page on with the last one's conversationSeq. */
  messages: ConversationMessage[];
  hasMore: boolean;
}

/** A member's role in a group. */
export type GroupRole = 'owner' | 'admin' | 'member';

export interface Group {
  appId: string;
  groupId: string;
  name: string;
  ownerUserId: string;
  /** Opaque application data, typically JSON. */
  extra: string;
  memberCount: number;
  /** Read fan-out: messages are stored once and read from the group's conversation. */
  large: boolean;
  /** Unix milliseconds of the dissolution, or null while the group lives. */
  dissolvedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What a send to a group needs to know of it (`GroupRepository.sendTarget`). */
export interface GroupSendTarget {
  large: boolean;
  dissolved: boolean;
  /** Ordered by user id: a small group's members; in a large group, the sender alone if a member. */
  memberIds: string[];
}

export interface NewGroup {
  appId: string;
  groupId: string;
  name: string;
  /** Becomes a member with role `owner`. */
  ownerUserId: string;
  extra: string;
  /** Further members (role `member`); the owner and repeats are skipped. */
  memberUserIds: readonly string[];
  /** Whether the group starts with read fan-out (the caller applies its threshold). */
  large: boolean;
  /** Unix milliseconds. */
  at: number;
}

export interface GroupMember {
  userId: string;
  role: GroupRole;
  joinedAt: number;
  /** The group's conversation seq when the member joined: they see the messages above it. */
  joinSeq: number;
  /** The member's read cursor (a conversation seq; never below joinSeq). */
  readSeq: number;
}

/** A page of something ordered, with the opaque cursor of the next page ('' when none follows). */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

/** The result of a membership change: who actually changed, and the group after it. */
export interface MembershipChange {
  /** The users added (or removed) now, in request order; users already in (or not in) are left out. */
  userIds: string[];
  group: Group;
}

/**
 * One conversation in a user's list (`ConversationRepository.list`). Seqs are conversation seqs.
 */
export interface ConversationSummary {
  /** As this user sees it (the peer for 1:1, '' for system, the group id for groups). */
  conversation: ConversationRef;
  /** The newest message, if any (for a group member: the newest one the member may see). */
  lastMessage: ConversationMessage | undefined;
  /** The conversation's latest seq. */
  maxSeq: number;
  /** The user's read cursor. */
  readSeq: number;
  /** maxSeq - max(readSeq, joinSeq), never negative. */
  unreadCount: number;
  /** Groups only: read fan-out. */
  large: boolean;
  /** Groups only (0 otherwise): the seq at which the user joined. */
  joinSeq: number;
  /** Unix milliseconds of the newest message, or of joining when the member has seen none. */
  lastActiveAt: number;
}

/** A page of a group's conversation in ascending seq order (`ConversationRepository.readGroup`). */
export interface GroupReadResult {
  /** Ascending conversation seq; each message's `seq` is its conversation seq. */
  messages: InboxMessage[];
  hasMore: boolean;
  /** The group conversation's latest seq at the time of the read. */
  maxSeq: number;
}

/** What `ConversationRepository.markRead` stored. */
export interface ReadMark {
  /** The read cursor after the call (never lower than before). */
  readSeq: number;
  /** True when the cursor moved. */
  changed: boolean;
}
