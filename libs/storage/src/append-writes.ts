import type { Kysely } from 'kysely';
import { recordReadState } from './append-read-state.js';
import type { Stored } from './append-dedupe.js';
import { insertedMessageIds } from './append-message-ids.js';
import {
  insertStatements,
  runEach,
  runInsert,
  type InsertedChunk,
  type RowsStatement,
  type Statement,
} from './append-sql.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';
import { allocateSeqs, CounterSet, type Counter } from './seq-allocation.js';
import { asBuffer } from './row-mappers.js';
import type { DialectKind } from './storage-dialect.js';
import type { AppendInput } from './types.js';

/**
 * The seq counters a batch of new messages takes seqs from: each message's conversation counter,
 * and each of its inbox entries' user counter (flat, in input order then inboxUserIds order).
 */
export class AppendPlan {
  readonly users = new CounterSet('user_seqs');
  readonly conversations = new CounterSet('conversations');
  readonly conversationCounters: Counter[];
  readonly inboxCounters: Counter[] = [];
  /** Filled by {@link AppendPlan.takeSeqs}. */
  conversationSeqs: number[] = [];
  inboxSeqs: number[] = [];

  constructor(readonly inputs: readonly AppendInput[]) {
    const n = inputs.length;
    this.conversationCounters = new Array<Counter>(n);
    for (let i = 0; i < n; i++) {
      const input = inputs[i]!;
      for (const userId of input.inboxUserIds)
        this.inboxCounters.push(this.users.use(input.appId, '', userId));
      this.conversationCounters[i] = this.conversations.use(
        input.appId,
        input.conversation.type,
        input.conversation.key,
      );
    }
  }

  /** Hands out the allocated seqs, in the order the counters were listed. */
  takeSeqs(): void {
    const n = this.inputs.length;
    this.conversationSeqs = new Array<number>(n);
    for (let i = 0; i < n; i++) this.conversationSeqs[i] = this.conversationCounters[i]!.next++;
    this.inboxSeqs = new Array<number>(this.inboxCounters.length);
    for (let k = 0; k < this.inboxCounters.length; k++) this.inboxSeqs[k] = this.inboxCounters[k]!.next++;
  }

  /** The INSERTs of the messages, in input order. */
  messageStatements(kind: DialectKind): Statement[] {
    const { inputs, conversationSeqs } = this;
    return insertStatements(kind, MESSAGE_ROWS, inputs.length, (i, out) => {
      const input = inputs[i]!;
      out.push(
        input.appId,
        input.conversation.type,
        input.conversation.key,
        conversationSeqs[i],
        input.senderUserId,
        input.senderDeviceId,
        input.targetId,
        input.clientMsgId,
        input.contentType,
        asBuffer(input.content),
        input.sentAt,
      );
    });
  }

  /**
   * The INSERTs of the inbox entries and of the dedupe records. `messageId(i)` is the parameter
   * standing for message i's id in `inbox`/`dedupe` (the rows statements to use).
   */
  entryStatements(
    kind: DialectKind,
    messageId: (i: number) => unknown,
    inbox: RowsStatement = INBOX_ROWS,
    dedupe: RowsStatement = DEDUPE_ROWS,
  ): Statement[] {
    const { inputs, inboxCounters, inboxSeqs, conversationSeqs } = this;
    // Inbox rows in input order: message i's entries follow message i-1's.
    const inboxMessage = new Array<number>(inboxCounters.length);
    for (let i = 0, k = 0; i < inputs.length; i++) {
      for (let j = 0; j < inputs[i]!.inboxUserIds.length; j++) inboxMessage[k++] = i;
    }
    const entries = insertStatements(kind, inbox, inboxCounters.length, (k, out) => {
      const counter = inboxCounters[k]!;
      out.push(counter.appId, counter.id, inboxSeqs[k], messageId(inboxMessage[k]!));
    });
    // A concurrent batch holding the same dedupe key makes this insert wait, then fail as a
    // duplicate once that batch commits: the retry then finds its row and answers a duplicate.
    const records = insertStatements(kind, dedupe, inputs.length, (i, out) => {
      const input = inputs[i]!;
      out.push(
        input.appId,
        input.senderUserId,
        input.clientMsgId,
        messageId(i),
        conversationSeqs[i],
        input.sentAt,
      );
    });
    return entries.concat(records);
  }

  /** What each message answers once stored with `messageIds`, in input order. */
  stored(messageIds: readonly number[]): Stored[] {
    const { inputs, conversationSeqs, inboxSeqs } = this;
    const stored = new Array<Stored>(inputs.length);
    for (let i = 0, k = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      const seqs = inboxSeqs.slice(k, (k += input.inboxUserIds.length));
      stored[i] = {
        messageId: messageIds[i]!,
        conversation: input.conversation,
        conversationSeq: conversationSeqs[i]!,
        inboxUserIds: input.inboxUserIds,
        inboxSeqs: seqs,
        sentAt: input.sentAt,
        duplicate: false,
      };
    }
    return stored;
  }
}

/**
 * The seq counter rows appending `input` takes seqs from, and so locks until its transaction commits
 * (its conversation's and each inbox user's, as {@link AppendPlan} lists them), one string each: two
 * appends whose keys share one wait for each other at the database. NUL separates the parts: logic
 * refuses every id with a control character (`requireId`), so no two rows share a key (a user's key
 * has an empty type, and conversation types are never empty); were they to, a send would only wait.
 */
export function appendLockKeys(input: AppendInput): string[] {
  const keys = [`${input.appId}\u0000${input.conversation.type}\u0000${input.conversation.key}`];
  for (const userId of input.inboxUserIds) keys.push(`${input.appId}\u0000\u0000${userId}`);
  return keys;
}

export const MESSAGE_ROWS: RowsStatement = {
  name: 'insert messages',
  table: 'messages',
  columns: [
    'app_id',
    'conversation_type',
    'conversation_id',
    'conversation_seq',
    'sender_user_id',
    'sender_device_id',
    'target_id',
    'client_msg_id',
    'content_type',
    'content',
    'sent_at',
  ],
  row: ['?', '?', '?', '?', '?', '?', '?', '?', '?', '?', '?'],
};

export const INBOX_ROWS: RowsStatement = {
  name: 'insert inbox',
  table: 'inbox',
  columns: ['app_id', 'user_id', 'seq', 'message_id'],
  row: ['?', '?', '?', '?'],
};

export const DEDUPE_ROWS: RowsStatement = {
  name: 'insert send_dedupe',
  table: 'send_dedupe',
  columns: ['app_id', 'sender_user_id', 'client_msg_id', 'message_id', 'conversation_seq', 'sent_at'],
  row: ['?', '?', '?', '?', '?', '?'],
};

/**
 * Stores messages not seen before (unique dedupe keys) and returns them in input order: one
 * statement after the other (the path of SQLite, and of MySQL where `append-pipelined.ts` does not
 * apply).
 */
export async function writeAppends(
  trx: Kysely<Database>,
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
  seqsTaken: (() => void) | undefined,
): Promise<Stored[]> {
  const kind = ctx.dialect.kind;
  const plan = new AppendPlan(inputs);
  // Users before conversations: the lock order of every transaction.
  await allocateSeqs(trx, ctx, plan.users);
  const ranges = await allocateSeqs(trx, ctx, plan.conversations);
  plan.takeSeqs();
  seqsTaken?.();
  const inserted: InsertedChunk[] = [];
  for (const statement of plan.messageStatements(kind)) inserted.push(await runInsert(trx, statement));
  const messageIds = await insertedMessageIds(
    trx,
    ctx,
    inserted,
    ranges,
    plan.conversationCounters,
    plan.conversationSeqs,
  );
  await runEach(
    trx,
    plan.entryStatements(kind, (i) => messageIds[i]),
  );
  await recordReadState(trx, kind, inputs, plan.conversationSeqs);
  return plan.stored(messageIds);
}
