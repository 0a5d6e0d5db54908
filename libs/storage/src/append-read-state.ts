import { sql, type Expression, type Transaction } from 'kysely';
import { chunks } from './chunks.js';
import { directConversationId } from './conversation-id.js';
import type { Database } from './db-schema.js';
import { keyIn } from './key-lookup.js';
import type { RepositoryContext } from './repository-context.js';
import type { AppendInput } from './types.js';

/** A message the append path has just stored, with its conversation seq. */
export interface AppendedMessage {
  input: AppendInput;
  conversationSeq: number;
}

/*
 * What an append changes in `conversation_members` (migration 0004), at most one statement per
 * kind and chunk of 500 rows, however many messages the batch holds:
 * - one multi-row upsert of 1:1 and system conversation state: each party of a 1:1 message gets
 *   its row (created when missing, so the conversation enters both lists), the sender's read
 *   cursor moves to the message's seq (never back), the recipient's stays; a message from the
 *   system gives its recipient a row of the system conversation, cursor unchanged;
 * - one UPDATE moving each group sender's read cursor to the highest seq they sent in the batch.
 *   It only updates: a member removed meanwhile has no row and must not get one back.
 */
export async function recordReadState(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  messages: readonly AppendedMessage[],
): Promise<void> {
  await upsertDirectState(
    trx,
    ctx,
    messages.filter(({ input }) => input.conversation.type === 'user'),
  );
  await advanceGroupSenders(
    trx,
    messages.filter(({ input }) => input.conversation.type === 'group' && input.senderUserId !== ''),
  );
}

interface DirectRow {
  app_id: string;
  user_id: string;
  conversation_type: 'user';
  conversation_id: string;
  role: '';
  joined_at: number;
  join_seq: 0;
  read_seq: number;
}

async function upsertDirectState(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  messages: readonly AppendedMessage[],
): Promise<void> {
  // One row per (app, user, conversation): the highest cursor the batch gives it, in key order
  // (the lock order of every transaction).
  const rows = new Map<string, DirectRow>();
  const record = (input: AppendInput, userId: string, key: string, readSeq: number) => {
    const id = JSON.stringify([input.appId, userId, key]);
    const row = rows.get(id);
    if (row) {
      row.read_seq = Math.max(row.read_seq, readSeq);
      row.joined_at = Math.min(row.joined_at, input.sentAt);
      return;
    }
    rows.set(id, {
      app_id: input.appId,
      user_id: userId,
      conversation_type: 'user',
      conversation_id: key,
      role: '',
      joined_at: input.sentAt,
      join_seq: 0,
      read_seq: readSeq,
    });
  };
  for (const { input, conversationSeq } of messages) {
    // A message from the system has no sender user (see `isFromSystem`).
    if (input.senderUserId === '') {
      record(input, input.targetId, directConversationId(input.targetId, ''), 0);
    } else {
      record(input, input.targetId, input.conversation.key, 0);
      record(input, input.senderUserId, input.conversation.key, conversationSeq);
    }
  }
  const sorted = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  for (const part of chunks(sorted)) {
    await ctx.dialect
      .upsert(
        trx.insertInto('conversation_members').values(part),
        ['app_id', 'user_id', 'conversation_type', 'conversation_id'],
        (inserted) => ({
          read_seq: sql`case when ${inserted('read_seq')} > ${sql.ref('read_seq')} then ${inserted(
            'read_seq',
          )} else ${sql.ref('read_seq')} end`,
        }),
      )
      .execute();
  }
}

async function advanceGroupSenders(
  trx: Transaction<Database>,
  messages: readonly AppendedMessage[],
): Promise<void> {
  const highest = new Map<string, { appId: string; userId: string; groupId: string; seq: number }>();
  for (const { input, conversationSeq } of messages) {
    const id = JSON.stringify([input.appId, input.senderUserId, input.conversation.key]);
    const seen = highest.get(id);
    if (!seen || seen.seq < conversationSeq) {
      highest.set(id, {
        appId: input.appId,
        userId: input.senderUserId,
        groupId: input.conversation.key,
        seq: conversationSeq,
      });
    }
  }
  for (const part of chunks([...highest.values()])) {
    const cases = part.map(
      (c) =>
        sql`when ${sql.ref('app_id')} = ${c.appId} and ${sql.ref('user_id')} = ${c.userId} and ${sql.ref(
          'conversation_id',
        )} = ${c.groupId} and ${sql.ref('read_seq')} < ${c.seq} then ${c.seq}`,
    );
    await trx
      .updateTable('conversation_members')
      .set({
        read_seq:
          sql<number>`case ${sql.join(cases, sql` `)} else ${sql.ref('read_seq')} end` as Expression<number>,
      })
      .where((eb) =>
        keyIn(
          eb,
          ['app_id', 'user_id', 'conversation_type'],
          'conversation_id',
          part.map((c) => [c.appId, c.userId, 'group', c.groupId]),
        ),
      )
      .execute();
  }
}
