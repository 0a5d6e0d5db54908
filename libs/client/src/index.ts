// @switchboard/client: the SDK for browsers and Node. Nothing reachable from here imports Node
// modules (a test bundles it for the browser); TCP and the `ws` package are in `@switchboard/client/node`.
export {
  Switchboard,
  createClient,
  newClientMsgId,
  toConversation,
  type ClientState,
  type CloseReason,
  type SwitchboardEvents,
  type SwitchboardOptions,
  type Target,
} from './sdk/switchboard.js';
export {
  webSocketConnector,
  type Connector,
  type Transport,
  type WebSocketConstructor,
  type WebSocketLike,
} from './sdk/transport.js';
export { ConnectionLostError } from './sdk/connection.js';
export { MemoryStorage, conversationKey, type ClientStorage, type SyncState } from './sdk/storage.js';
export { IndexedDbStorage } from './sdk/indexeddb-storage.js';
export { tokenExpiresAt, type TokenSource } from './sdk/token.js';
export { InboxSync, type InboxSyncOptions, type InboxSyncStats, type SeqPage } from './inbox-sync.js';
export {
  GroupTracker,
  type GroupMessage,
  type GroupSource,
  type GroupTrackerStats,
} from './group-tracker.js';
export { withTimeout } from './with-timeout.js';
export {
  ConversationType,
  type Conversation,
  type Message,
  type ReadReceipt,
} from '@switchboard/proto/client-web';
export { ErrorCode, SwitchboardError, closeActionFor, type CloseAction } from '@switchboard/protocol/catalog';
