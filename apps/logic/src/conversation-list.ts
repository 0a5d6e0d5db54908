import type { ConversationSummary, Page, Storage } from '@switchboard/storage';
import { clampLimit, requireCursor } from './paging.js';

/** Most conversations one page returns; 0 in a request asks for the default. */
const PAGE_MAX = 100;
const PAGE_DEFAULT = 20;

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
    const size = clampLimit(limit, PAGE_MAX, PAGE_DEFAULT);
    return this.storage.conversations.list(appId, userId, requireCursor(cursor, 'cursor'), size);
  }
}
