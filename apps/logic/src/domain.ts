// What logic's message service takes and returns, free of any transport: the gRPC handlers
// (grpc-handlers.ts, with client-message.ts) translate the generated client types to and from these.
import type { ConversationMessage, ConversationType, InboxMessage } from '@switchboard/storage';

/** A conversation as a request names it; `unspecified` when the request named no type this server knows. */
export interface ConversationTarget {
  type: ConversationType | 'unspecified';
  id: string;
}

/** A client's SEND. */
export interface SendInput {
  /** The idempotency key: a retried send with the same key is stored once. */
  clientMsgId: string;
  to: ConversationTarget;
  contentType: string;
  content: Uint8Array;
}

/** What a stored SEND answers: the sender's own inbox seq, and where it sits in the conversation. */
export interface SendResult {
  messageId: number;
  seq: number;
  sentAt: number;
  conversationSeq: number;
}

/** A page of the caller's inbox after `afterSeq`; `limit` 0 asks for the default page size. */
export interface SyncInput {
  afterSeq: number;
  limit: number;
}

export interface SyncPage {
  /** In ascending seq order, each with the caller's inbox seq. */
  messages: InboxMessage[];
  /** More messages follow the last one returned: sync again from its seq. */
  hasMore: boolean;
  /** The caller's highest seq at the time of the read. */
  maxSeq: number;
}

/** A page of one conversation before `beforeSeq` (0: from the newest); `limit` 0 asks for the default. */
export interface HistoryInput {
  conversation: ConversationTarget;
  beforeSeq: number;
  limit: number;
}

export interface HistoryPage {
  /** Newest first (descending conversation seq); page on with the last one's conversationSeq. */
  messages: ConversationMessage[];
  hasMore: boolean;
}
