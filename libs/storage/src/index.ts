export { createStorage, type StorageOptions } from './create-storage.js';
export { openConfiguredStorage } from './open-configured-storage.js';
export type {
  Storage,
  AppRepository,
  UserRepository,
  DeviceRepository,
  MessageRepository,
} from './storage.js';
export type {
  App,
  NewApp,
  User,
  UserProfileInput,
  Device,
  DeviceSignIn,
  SignInResult,
  ConversationType,
  ConversationRef,
  DirectSendInput,
  DirectSendResult,
  ConversationMessage,
  InboxMessage,
  SyncResult,
  HistoryQuery,
  HistoryResult,
} from './types.js';
export { StorageError, type StorageErrorCode } from './storage-error.js';
export { directConversationId } from './conversation-id.js';
export { MAX_ID_LENGTH, MAX_PAGE_SIZE, MIN_PAGE_BYTES } from './limits.js';
export { MESSAGE_OVERHEAD_BYTES, messageBytes } from './page-bytes.js';
export { MAX_CONTENT_BYTES } from './direct-send.js';
export { MAX_TRANSACTION_ATTEMPTS } from './retry.js';
export type { MysqlStorageOptions } from './mysql-dialect.js';
export type { SqliteStorageOptions } from './sqlite-dialect.js';
export { dumpMysqlSchema } from './mysql-schema-dump.js';
export {
  createScratchMysqlDatabase,
  ensureMysqlDatabase,
  DEFAULT_MYSQL_SERVER_URI,
  type ScratchMysqlDatabase,
} from './mysql-scratch-database.js';
