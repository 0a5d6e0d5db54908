import { sql, type Expression, type RawBuilder } from 'kysely';
import { directConversationId, directConversationPeer } from './conversation-id.js';
import { checkId, checkPageBytes, checkPageSize, checkSeq } from './limits.js';
import { decodeCursor, encodeCursor, malformedCursor } from './page-cursor.js';
import { takeWithinBytes } from './page-bytes.js';
import type { RepositoryContext } from './repository-context.js';
import { MESSAGE_COLUMNS, toConversationMessage } from './row-mappers.js';
import { readConversationMaxSeq } from './seq-allocation.js';
import type { ConversationRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import type {
  ConversationRef,
  ConversationSummary,
  GroupReadResult,
  Page,
  ReadMark,
  StoredConversation,
} from './types.js';

/** Where a list page ends: [userId, lastActiveAt, stored type, stored key] of its last entry. */
type ListCursor = [userId: string, lastActiveAt: number, type: string, key: string];

/**
 * Read cursors and conversation lists over `conversation_members` (see migration 0004): one row
 * per user and 1:1, system or group conversation, joined to the conversation's counter and to the
 * message at its max seq.
 */
export class SqlConversationRepository implements ConversationRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async markRead(
    appId: string,
    userId: string,
    conversation: ConversationRef,
    seq: number,
  ): Promise<ReadMark> {
    checkId('appId', appId);
    checkId('userId', userId);
    checkSeq('seq', seq);
    const stored = storedConversation(userId, conversation);
    const readCursor = async () => {
      const row = await this.ctx.db
        .selectFrom('conversation_members')
        .select('read_seq')
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .where('conversation_type', '=', stored.type)
        .where('conversation_id', '=', stored.key)
        .executeTakeFirst();
      if (!row) throw new StorageError('NOT_FOUND', `${userId} has no such conversation`);
      return Number(row.read_seq);
    };
    const before = await readCursor();
    const target = Math.min(seq, await readConversationMaxSeq(this.ctx.db, appId, stored.type, stored.key));
    if (target <= before) return { readSeq: before, changed: false };
    // Conditional, so that a concurrent markRead or send that went further is never undone.
    const result = await this.ctx.db
      .updateTable('conversation_members')
      .set({ read_seq: target })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('conversation_type', '=', stored.type)
      .where('conversation_id', '=', stored.key)
      .where('read_seq', '<', target)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return { readSeq: target, changed: true };
    // A concurrent call went further first (or the row went: NOT_FOUND then).
    return { readSeq: await readCursor(), changed: false };
  }

  async list(
    appId: string,
    userId: string,
    cursor: string,
    limit: number,
  ): Promise<Page<ConversationSummary>> {
    checkId('appId', appId);
    checkId('userId', userId);
    checkPageSize(limit);
    const after = cursor === '' ? undefined : decodeListCursor(cursor, userId);
    // Last activity: the newest message when the user may see it, else the time of joining.
    const activity: RawBuilder<number> = sql`(case when ${sql.ref('messages.sent_at')} is not null and ${sql.ref(
      'c.max_seq',
    )} > ${sql.ref('m.join_seq')} then ${sql.ref('messages.sent_at')} else ${sql.ref('m.joined_at')} end)`;
    const rows = await this.ctx.db
      .selectFrom('conversation_members as m')
      .leftJoin('conversations as c', (join) =>
        join
          .onRef('c.app_id', '=', 'm.app_id')
          .onRef('c.conversation_type', '=', 'm.conversation_type')
          .onRef('c.conversation_id', '=', 'm.conversation_id'),
      )
      .leftJoin('messages', (join) =>
        join
          .onRef('messages.app_id', '=', 'm.app_id')
          .onRef('messages.conversation_type', '=', 'm.conversation_type')
          .onRef('messages.conversation_id', '=', 'm.conversation_id')
          .onRef('messages.conversation_seq', '=', 'c.max_seq'),
      )
      .leftJoin('groups as g', (join) =>
        join
          .onRef('g.app_id', '=', 'm.app_id')
          .on('m.conversation_type', '=', 'group')
          .onRef('g.group_id', '=', 'm.conversation_id'),
      )
      .select([
        'm.conversation_type as member_type',
        'm.conversation_id as member_key',
        'm.join_seq',
        'm.read_seq',
        'c.max_seq',
        'g.large',
        activity.as('last_active_at'),
        ...MESSAGE_COLUMNS,
      ])
      .where('m.app_id', '=', appId)
      .where('m.user_id', '=', userId)
      .$if(after !== undefined, (qb) =>
        qb.where((eb) => {
          const [, at, type, key] = after!;
          const act = activity as Expression<number>;
          return eb.or([
            eb(act, '<', at),
            eb.and([eb(act, '=', at), eb('m.conversation_type', '>', type)]),
            eb.and([
              eb(act, '=', at),
              eb('m.conversation_type', '=', type),
              eb('m.conversation_id', '>', key),
            ]),
          ]);
        }),
      )
      .orderBy(activity, 'desc')
      .orderBy('m.conversation_type')
      .orderBy('m.conversation_id')
      .limit(limit + 1)
      .execute();

    const items = rows.slice(0, limit).map((row): ConversationSummary => {
      const maxSeq = Number(row.max_seq ?? 0);
      const readSeq = Number(row.read_seq);
      const joinSeq = Number(row.join_seq);
      const visible = row.message_id !== null && maxSeq > joinSeq;
      return {
        conversation: seenBy(userId, {
          type: row.member_type as StoredConversation['type'],
          key: row.member_key,
        }),
        lastMessage: visible
          ? toConversationMessage(row as Parameters<typeof toConversationMessage>[0], userId)
          : undefined,
        maxSeq,
        readSeq,
        unreadCount: Math.max(0, maxSeq - Math.max(readSeq, joinSeq)),
        large: row.large != null && Number(row.large) !== 0,
        joinSeq,
        lastActiveAt: Number(row.last_active_at),
      };
    });
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    const nextCursor = last
      ? encodeCursor([
          userId,
          Number(last.last_active_at),
          last.member_type,
          last.member_key,
        ] satisfies ListCursor)
      : '';
    return { items, nextCursor };
  }

  async readGroup(
    appId: string,
    groupId: string,
    afterSeq: number,
    limit: number,
    maxBytes = Infinity,
  ): Promise<GroupReadResult> {
    checkId('appId', appId);
    checkId('groupId', groupId);
    checkSeq('afterSeq', afterSeq);
    checkPageSize(limit);
    checkPageBytes(maxBytes);
    const rows = await this.ctx.db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('messages.app_id', '=', appId)
      .where('messages.conversation_type', '=', 'group')
      .where('messages.conversation_id', '=', groupId)
      .where('messages.conversation_seq', '>', afterSeq)
      .orderBy('messages.conversation_seq')
      .limit(limit + 1)
      .execute();
    // Read after the page so that maxSeq is never below the seqs just returned.
    const maxSeq = await readConversationMaxSeq(this.ctx.db, appId, 'group', groupId);
    const fetched = rows.slice(0, limit).map((row) => ({
      ...toConversationMessage(row, ''),
      seq: Number(row.conversation_seq),
    }));
    const messages = takeWithinBytes(fetched, maxBytes);
    return { messages, hasMore: rows.length > messages.length, maxSeq };
  }
}

/** The stored conversation of a conversation as `userId` sees it (user, system or group). */
function storedConversation(userId: string, conversation: ConversationRef): StoredConversation {
  switch (conversation?.type) {
    case 'user':
      checkId('conversation.id', conversation.id);
      return { type: 'user', key: directConversationId(userId, conversation.id) };
    case 'system':
      return { type: 'user', key: directConversationId(userId, '') };
    case 'group':
      checkId('conversation.id', conversation.id);
      return { type: 'group', key: conversation.id };
    default:
      throw new StorageError(
        'INVALID_ARGUMENT',
        `no read state for conversation type ${String(conversation?.type)}`,
      );
  }
}

/** A stored conversation as `userId` sees it. */
function seenBy(userId: string, stored: StoredConversation): ConversationRef {
  if (stored.type === 'group') return { type: 'group', id: stored.key };
  const peer = directConversationPeer(stored.key, userId);
  return peer === '' ? { type: 'system', id: '' } : { type: 'user', id: peer };
}

function decodeListCursor(cursor: string, userId: string): ListCursor {
  const value = decodeCursor(cursor);
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    typeof value[1] !== 'number' ||
    !Number.isSafeInteger(value[1]) ||
    typeof value[2] !== 'string' ||
    typeof value[3] !== 'string'
  ) {
    throw malformedCursor();
  }
  if (value[0] !== userId) throw new StorageError('INVALID_ARGUMENT', 'page cursor of another user');
  return value as ListCursor;
}
