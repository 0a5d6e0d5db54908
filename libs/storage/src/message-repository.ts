import { appendBatch } from './append-messages.js';
import { directConversationId } from './conversation-id.js';
import { sendDirectBatch } from './direct-send.js';
import { checkId, checkPageBytes, checkPageSize, checkSeq } from './limits.js';
import { takeWithinBytes } from './page-bytes.js';
import type { RepositoryContext } from './repository-context.js';
import { MESSAGE_COLUMNS, toConversationMessage } from './row-mappers.js';
import type { MessageRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import { readUserMaxSeq } from './user-repository.js';
import type {
  AppendInput,
  AppendResult,
  DirectSendInput,
  DirectSendResult,
  HistoryQuery,
  HistoryResult,
  SyncResult,
} from './types.js';

const CONVERSATION_TYPES = new Set(['user', 'group', 'room', 'system']);

export class SqlMessageRepository implements MessageRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  append(batch: readonly AppendInput[], seqsTaken?: () => void): Promise<AppendResult[]> {
    return appendBatch(this.ctx, batch, seqsTaken);
  }

  sendDirect(batch: readonly DirectSendInput[]): Promise<DirectSendResult[]> {
    return sendDirectBatch(this.ctx, batch);
  }

  async syncInbox(
    appId: string,
    userId: string,
    afterSeq: number,
    limit: number,
    maxBytes = Infinity,
  ): Promise<SyncResult> {
    checkId('appId', appId);
    checkId('userId', userId);
    checkSeq('afterSeq', afterSeq);
    checkPageSize(limit);
    checkPageBytes(maxBytes);
    // One row more than asked tells whether more follow without counting them; the byte bound
    // then cuts the page shorter where the rows are large.
    const rows = await this.ctx.db
      .selectFrom('inbox')
      .innerJoin('messages', 'messages.message_id', 'inbox.message_id')
      .select(['inbox.seq', ...MESSAGE_COLUMNS])
      .where('inbox.app_id', '=', appId)
      .where('inbox.user_id', '=', userId)
      .where('inbox.seq', '>', afterSeq)
      .orderBy('inbox.seq')
      .limit(limit + 1)
      .execute();
    // Read after the page so that maxSeq is never below the seqs just returned.
    const maxSeq = await readUserMaxSeq(this.ctx.db, appId, userId);
    const fetched = rows
      .slice(0, limit)
      .map((row) => ({ ...toConversationMessage(row, userId), seq: Number(row.seq) }));
    const messages = takeWithinBytes(fetched, maxBytes);
    return { messages, hasMore: rows.length > messages.length, maxSeq };
  }

  async history(query: HistoryQuery): Promise<HistoryResult> {
    const { appId, userId, conversation, beforeSeq, afterSeq = 0, limit, maxBytes = Infinity } = query;
    checkId('appId', appId);
    checkId('userId', userId);
    if (!CONVERSATION_TYPES.has(conversation.type)) {
      throw new StorageError('INVALID_ARGUMENT', `unknown conversation type ${String(conversation.type)}`);
    }
    // The system conversation is stored as the 1:1 conversation with the empty user id.
    const system = conversation.type === 'system';
    if (!system) checkId('conversation.id', conversation.id);
    checkSeq('beforeSeq', beforeSeq);
    checkSeq('afterSeq', afterSeq);
    checkPageSize(limit);
    checkPageBytes(maxBytes);
    const conversationId =
      conversation.type === 'user' || system
        ? directConversationId(userId, system ? '' : conversation.id)
        : conversation.id;
    const rows = await this.ctx.db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('messages.app_id', '=', appId)
      .where('messages.conversation_type', '=', system ? 'user' : conversation.type)
      .where('messages.conversation_id', '=', conversationId)
      .$if(beforeSeq > 0, (qb) => qb.where('messages.conversation_seq', '<', beforeSeq))
      .$if(afterSeq > 0, (qb) => qb.where('messages.conversation_seq', '>', afterSeq))
      .orderBy('messages.conversation_seq', 'desc')
      .limit(limit + 1)
      .execute();
    const messages = takeWithinBytes(
      rows.slice(0, limit).map((row) => toConversationMessage(row, userId)),
      maxBytes,
    );
    return { messages, hasMore: rows.length > messages.length };
  }
}
