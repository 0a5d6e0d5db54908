import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { ConversationSummary, Page, Storage } from '@switchboard/storage';

/** Most conversations one page returns; 0 in a request asks for the default. */
const PAGE_MAX = 100;
const PAGE_DEFAULT = 20;
const CURSOR_MAX = 512;

/**
 * CONVERSATIONS: the caller's conversations (1:1, system, groups), most recently active first, with
 * read cursors and unread counts. A device back from offline reads it to learn which large groups to
 * SYNC_GROUP and what to badge.
 */
export class ConversationList {
  constructor(private readonly storage: Storage) {}

  async page(
    appId: string,
    userId: string,
    cursor: string,
    limit: number,
  ): Promise<Page<ConversationSummary>> {
    if (cursor.length > CURSOR_MAX) {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        'cursor is not one this server issued',
        {
          field: 'cursor',
        },
      );
    }
    const size = limit === 0 ? PAGE_DEFAULT : Math.max(1, Math.min(limit, PAGE_MAX));
    return this.storage.conversations.list(appId, userId, cursor, size);
  }
}
