export { createStorage, type StorageOptions } from './create-storage.js';
export { openConfiguredStorage } from './open-configured-storage.js';
export type {
  Storage,
  AppRepository,
  ApiKeyRepository,
  UserRepository,
  DeviceRepository,
  MessageRepository,
  GroupRepository,
  ConversationRepository,
} from './storage.js';
export type {
  App,
  NewApp,
  AppSettingsUpdate,
  NewApiKey,
  CreatedApiKey,
  ApiKeyInfo,
  ActiveApiKey,
  User,
  UserProfileInput,
  Device,
  DeviceSignIn,
  SignInResult,
  ConversationType,
  ConversationRef,
  StoredConversation,
  AppendInput,
  AppendResult,
  DirectSendInput,
  DirectSendResult,
  ConversationMessage,
  InboxMessage,
  SyncResult,
  HistoryQuery,
  HistoryResult,
  Group,
  NewGroup,
  GroupRole,
  GroupMember,
  GroupSendTarget,
  Page,
  MembershipChange,
  ConversationSummary,
  GroupReadResult,
  ReadMark,
} from './types.js';
export { directAppendInput, directSendResult } from './direct-send.js';
export { appendLockKeys } from './append-writes.js';
export { StorageError, type StorageErrorCode } from './storage-error.js';
export { directConversationId } from './conversation-id.js';
export { MAX_ID_LENGTH, MAX_PAGE_SIZE, MIN_PAGE_BYTES, MAX_USER_TAGS, MAX_TAG_LENGTH } from './limits.js';
export { MAX_WEBHOOK_URL_LENGTH } from './app-repository.js';
export { MAX_GROUP_NAME_LENGTH, MAX_GROUP_EXTRA_LENGTH } from './group-repository.js';
export {
  API_KEY_LENGTH,
  generateApiKey,
  parseApiKey,
  hashApiKey,
  constantTimeEqual,
  apiKeyMatches,
} from './api-key.js';
export { MESSAGE_OVERHEAD_BYTES, messageBytes } from './page-bytes.js';
export { MAX_CONTENT_BYTES } from './append-messages.js';
export { MAX_TRANSACTION_ATTEMPTS } from './retry.js';
export type { MysqlStorageOptions } from './mysql-dialect.js';
export type { SqliteStorageOptions } from './sqlite-dialect.js';
export { dumpMysqlSchema } from './mysql-schema-dump.js';
export {
  createScratchMysqlDatabase,
  ensureMysqlDatabase,
  dropMysqlDatabase,
  DEFAULT_MYSQL_SERVER_URI,
  type ScratchMysqlDatabase,
} from './mysql-scratch-database.js';
