import type { Kysely } from 'kysely';
import {
  cachedSql,
  insertStatements,
  KeyGroups,
  runEach,
  tupleKey,
  type RowsStatement,
  type Statement,
} from './append-sql.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import { directConversationId } from './conversation-id.js';
import type { Database } from './db-schema.js';
import type { DialectKind } from './storage-dialect.js';
import type { AppendInput } from './types.js';

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
  trx: Kysely<Database>,
  kind: DialectKind,
  inputs: readonly AppendInput[],
  conversationSeqs: readonly number[],
): Promise<void> {
  await runEach(trx, readStateStatements(kind, inputs, conversationSeqs));
}

/** The statements of {@link recordReadState}, in the order they run. */
export function readStateStatements(
  kind: DialectKind,
  inputs: readonly AppendInput[],
  conversationSeqs: readonly number[],
): Statement[] {
  return [
    ...directStateStatements(kind, inputs, conversationSeqs),
    ...groupSenderStatements(kind, inputs, conversationSeqs),
  ];
}

/** One `conversation_members` row of a 1:1 or system conversation. */
interface DirectRow {
  appId: string;
  userId: string;
  conversationId: string;
  joinedAt: number;
  readSeq: number;
}

const DIRECT_STATE_ROWS: RowsStatement = {
  name: 'upsert direct state',
  table: 'conversation_members',
  columns: [
    'app_id',
    'user_id',
    'conversation_type',
    'conversation_id',
    'role',
    'joined_at',
    'join_seq',
    'read_seq',
  ],
  row: ['?', '?', "'user'", '?', "''", '?', '0', '?'],
  suffix: {
    mysql:
      'on duplicate key update read_seq = case when values(read_seq) > read_seq then values(read_seq) else read_seq end',
    sqlite:
      'on conflict (app_id, user_id, conversation_type, conversation_id) do update set read_seq = ' +
      'case when excluded.read_seq > read_seq then excluded.read_seq else read_seq end',
  },
};

function directStateStatements(
  kind: DialectKind,
  inputs: readonly AppendInput[],
  conversationSeqs: readonly number[],
): Statement[] {
  // One row per (app, user, conversation): the highest cursor the batch gives it.
  const rows = new Map<string, DirectRow>();
  const record = (input: AppendInput, userId: string, key: string, readSeq: number): void => {
    const id = tupleKey(input.appId, userId, key);
    const row = rows.get(id);
    if (row) {
      if (readSeq > row.readSeq) row.readSeq = readSeq;
      if (input.sentAt < row.joinedAt) row.joinedAt = input.sentAt;
      return;
    }
    rows.set(id, { appId: input.appId, userId, conversationId: key, joinedAt: input.sentAt, readSeq });
  };
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    if (input.conversation.type !== 'user') continue;
    // A message from the system has no sender user (see `isFromSystem`).
    if (input.senderUserId === '') {
      record(input, input.targetId, directConversationId(input.targetId, ''), 0);
    } else {
      record(input, input.targetId, input.conversation.key, 0);
      record(input, input.senderUserId, input.conversation.key, conversationSeqs[i]!);
    }
  }
  if (rows.size === 0) return [];
  // In key order: the lock order of every transaction.
  const sorted = [...rows.values()].sort(compareRows);
  return insertStatements(kind, DIRECT_STATE_ROWS, sorted.length, (r, out) => {
    const row = sorted[r]!;
    out.push(row.appId, row.userId, row.conversationId, row.joinedAt, row.readSeq);
  });
}

function compareRows(a: DirectRow, b: DirectRow): number {
  if (a.appId !== b.appId) return a.appId < b.appId ? -1 : 1;
  if (a.userId !== b.userId) return a.userId < b.userId ? -1 : 1;
  return a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0;
}

function groupSenderStatements(
  kind: DialectKind,
  inputs: readonly AppendInput[],
  conversationSeqs: readonly number[],
): Statement[] {
  const highest = new Map<string, { appId: string; userId: string; groupId: string; seq: number }>();
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    if (input.conversation.type !== 'group' || input.senderUserId === '') continue;
    const id = tupleKey(input.appId, input.senderUserId, input.conversation.key);
    const seen = highest.get(id);
    const seq = conversationSeqs[i]!;
    if (!seen) {
      highest.set(id, {
        appId: input.appId,
        userId: input.senderUserId,
        groupId: input.conversation.key,
        seq,
      });
    } else if (seen.seq < seq) {
      seen.seq = seq;
    }
  }
  const senders = [...highest.values()];
  const statements: Statement[] = [];
  for (let at = 0; at < senders.length; at += ROWS_PER_STATEMENT) {
    const part = senders.slice(at, at + ROWS_PER_STATEMENT);
    const keys = new KeyGroups(3);
    const parameters: unknown[] = [];
    for (const c of part) {
      parameters.push(c.appId, c.userId, c.groupId, c.seq, c.seq);
      keys.add(c.groupId, c.appId, c.userId, 'group');
    }
    const text = cachedSql(kind, `advance group senders ${part.length} ${keys.shape}`, () => {
      const when = 'when app_id = ? and user_id = ? and conversation_id = ? and read_seq < ? then ?';
      return (
        `update conversation_members set read_seq = case ${Array(part.length).fill(when).join(' ')} ` +
        `else read_seq end where ${keys.sql(['app_id', 'user_id', 'conversation_type'], 'conversation_id')}`
      );
    });
    statements.push({ text, parameters: keys.parametersInto(parameters) });
  }
  return statements;
}
