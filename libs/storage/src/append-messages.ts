import type { Transaction } from 'kysely';
import { recordReadState } from './append-read-state.js';
import { insertedMessageIds } from './append-message-ids.js';
import { cachedSql, insertInChunks, KeyGroups, runSql, tupleKey, type RowsStatement } from './append-sql.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import { checkId, checkSeq, checkText, MAX_ID_LENGTH } from './limits.js';
import type { RepositoryContext } from './repository-context.js';
import { withTransactionRetry } from './retry.js';
import { allocateSeqs, CounterSet, type Counter } from './seq-allocation.js';
import { asBuffer } from './row-mappers.js';
import { StorageError } from './storage-error.js';
import type { AppendInput, AppendResult, StoredConversation } from './types.js';

/** Largest message content: what MySQL's MEDIUMBLOB holds. */
export const MAX_CONTENT_BYTES = 16 * 1024 * 1024 - 1;

/** Longest stored conversation key (the column holds 160 characters; a 1:1 key takes up to 133). */
const MAX_CONVERSATION_KEY_LENGTH = 160;

/**
 * The group-commit write path: the whole batch in one transaction with a fixed number of
 * statements per table, whatever its size. For a batch under 500 messages and 500 inbox entries:
 *  1. SELECT the dedupe records of the batch (`findAppended`);
 *  2-3. upsert and read back (FOR UPDATE) the users' inbox counters (`allocateSeqs`);
 *  4-5. the same for the conversations' counters;
 *  6. INSERT the messages;  7. SELECT their ids back (only where one INSERT's ids may not be
 *     consecutive, see `append-message-ids.ts`);
 *  8. INSERT the inbox entries;  9. INSERT the dedupe records;
 *  10. upsert the 1:1/system conversation state of both parties, moving the senders' read cursors
 *      (only when the batch has 1:1 or system messages; `append-read-state.ts`);
 *  11. UPDATE the group senders' read cursors (only when it has group messages with a sender).
 * See `MessageRepository.append` for the contract.
 *
 * Gapless seqs come from row locks: a counter row (`users.max_seq`, `conversations.max_seq`) is
 * bumped by an upsert, which locks it until commit, so a second writer of the same user waits and
 * then allocates after the first one's seqs. Every transaction locks users before conversations,
 * each in sorted key order, so two batches never wait on each other in a cycle; the deadlocks the
 * database still reports (insert-intention locks, for instance) abort the transaction whole and it
 * is retried, leaving no gap since nothing of it committed.
 *
 * The statements' text is built once per shape (`append-sql.ts`) and the values go as parameters;
 * per message the path allocates little beyond its rows' parameters (this runs for every send).
 */
export async function appendBatch(
  ctx: RepositoryContext,
  batch: readonly AppendInput[],
): Promise<AppendResult[]> {
  if (batch.length === 0) return [];
  for (const input of batch) checkAppend(input);
  // A message repeated within the batch answers as its first occurrence (its primary).
  const primaryOf = new Array<number>(batch.length);
  const primaries: AppendInput[] = [];
  /** Where each primary stands in the batch. */
  const primaryAt: number[] = [];
  const primaryByKey = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) {
    const key = dedupeKey(batch[i]!);
    const seen = primaryByKey.get(key);
    if (seen === undefined) {
      primaryByKey.set(key, primaries.length);
      primaryOf[i] = primaries.length;
      primaries.push(batch[i]!);
      primaryAt.push(i);
    } else {
      primaryOf[i] = seen;
    }
  }

  const stored = await withTransactionRetry(ctx.dialect, () =>
    ctx.db.transaction().execute(async (trx) => {
      const known = await findAppended(trx, ctx, primaries);
      const fresh = known.size === 0 ? primaries : primaries.filter((input) => !known.has(dedupeKey(input)));
      const written = fresh.length > 0 ? await writeAppends(trx, ctx, fresh) : [];
      if (known.size === 0) return written;
      // Back in primaries' order: the known ones where they are, the written ones in between.
      const all = new Array<Stored>(primaries.length);
      let next = 0;
      for (let p = 0; p < primaries.length; p++) {
        all[p] = known.get(dedupeKey(primaries[p]!)) ?? written[next++]!;
      }
      return all;
    }),
  );

  const results = new Array<AppendResult>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const input = batch[i]!;
    const first = stored[primaryOf[i]!]!;
    const repeat = first.duplicate || primaryAt[primaryOf[i]!] !== i;
    results[i] = {
      messageId: first.messageId,
      conversation: first.conversation,
      conversationSeq: first.conversationSeq,
      inboxSeqs: repeat ? alignedSeqs(first, input.inboxUserIds) : first.inboxSeqs,
      sentAt: first.sentAt,
      duplicate: repeat,
    };
  }
  return results;
}

/** What a stored message answers, whichever inboxes a later duplicate names. */
interface Stored {
  messageId: number;
  conversation: StoredConversation;
  conversationSeq: number;
  /** The users the message has an inbox entry for, and their seqs (aligned). */
  inboxUserIds: readonly string[];
  inboxSeqs: number[];
  sentAt: number;
  /** Stored by an earlier batch. */
  duplicate: boolean;
}

/** The first send's inbox seqs for the users a repeat names: 0 for a user it gave no entry. */
function alignedSeqs(first: Stored, userIds: readonly string[]): number[] {
  return userIds.map((userId) => {
    const at = first.inboxUserIds.indexOf(userId);
    return at < 0 ? 0 : first.inboxSeqs[at]!;
  });
}

function checkAppend(input: AppendInput): void {
  checkId('appId', input.appId);
  if (!isFromSystem(input)) {
    checkId('senderUserId', input.senderUserId);
    checkText('senderDeviceId', input.senderDeviceId, MAX_ID_LENGTH);
  } else if (input.senderDeviceId !== '') {
    throw new StorageError('INVALID_ARGUMENT', 'a message from the system has no sender device');
  }
  const { conversation } = input;
  if (conversation.type !== 'user' && conversation.type !== 'group') {
    throw new StorageError(
      'INVALID_ARGUMENT',
      `unknown stored conversation type ${String(conversation.type)}`,
    );
  }
  if (conversation.key === '')
    throw new StorageError('INVALID_ARGUMENT', 'conversation.key must not be empty');
  checkText('conversation.key', conversation.key, MAX_CONVERSATION_KEY_LENGTH);
  checkId('targetId', input.targetId);
  checkId('clientMsgId', input.clientMsgId);
  checkText('contentType', input.contentType, 64);
  checkSeq('sentAt', input.sentAt);
  if (!(input.content instanceof Uint8Array) || input.content.byteLength > MAX_CONTENT_BYTES) {
    throw new StorageError('INVALID_ARGUMENT', `content must be bytes, at most ${MAX_CONTENT_BYTES}`);
  }
  if (!Array.isArray(input.inboxUserIds)) {
    throw new StorageError('INVALID_ARGUMENT', 'inboxUserIds must be an array');
  }
  const users = input.inboxUserIds;
  for (const userId of users) checkId('inboxUserIds[]', userId);
  // A 1:1 send lists one or two users: no set needed to tell whether one repeats.
  const repeats =
    users.length <= 2 ? users.length === 2 && users[0] === users[1] : new Set(users).size !== users.length;
  if (repeats) throw new StorageError('INVALID_ARGUMENT', 'inboxUserIds must not repeat a user');
}

/** A message from the app's servers: it has no sender user and no sender device. */
export function isFromSystem(input: { senderUserId: string }): boolean {
  return input.senderUserId === '';
}

function dedupeKey(input: { appId: string; senderUserId: string; clientMsgId: string }): string {
  return tupleKey(input.appId, input.senderUserId, input.clientMsgId);
}

/**
 * Messages stored before, keyed by `dedupeKey`, marked as duplicates: one statement per chunk,
 * joining each dedupe record to its message and to every inbox entry of it.
 */
async function findAppended(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
): Promise<Map<string, Stored>> {
  const found = new Map<string, Stored>();
  for (let at = 0; at < inputs.length; at += ROWS_PER_STATEMENT) {
    const keys = new KeyGroups(2);
    const end = Math.min(inputs.length, at + ROWS_PER_STATEMENT);
    for (let i = at; i < end; i++) {
      const input = inputs[i]!;
      keys.add(input.clientMsgId, input.appId, input.senderUserId);
    }
    const text = cachedSql(
      ctx.dialect.kind,
      `find appended ${keys.shape}`,
      () =>
        'select d.app_id, d.sender_user_id, d.client_msg_id, d.message_id, d.conversation_seq, d.sent_at,' +
        ' m.conversation_type, m.conversation_id, i.user_id, i.seq' +
        ' from send_dedupe as d inner join messages as m on m.message_id = d.message_id' +
        ' left join inbox as i on i.message_id = d.message_id and i.app_id = d.app_id' +
        ` where ${keys.sql(['d.app_id', 'd.sender_user_id'], 'd.client_msg_id')}`,
    );
    const rows = await runSql<AppendedRow>(trx, text, keys.parametersInto([]));
    for (const row of rows) {
      const key = tupleKey(row.app_id, row.sender_user_id, row.client_msg_id);
      let stored = found.get(key);
      if (!stored) {
        stored = {
          messageId: Number(row.message_id),
          conversation: {
            type: row.conversation_type as StoredConversation['type'],
            key: row.conversation_id,
          },
          conversationSeq: Number(row.conversation_seq),
          inboxUserIds: [],
          inboxSeqs: [],
          sentAt: Number(row.sent_at),
          duplicate: true,
        };
        found.set(key, stored);
      }
      if (row.user_id !== null && row.seq !== null) {
        (stored.inboxUserIds as string[]).push(row.user_id);
        stored.inboxSeqs.push(Number(row.seq));
      }
    }
  }
  return found;
}

interface AppendedRow {
  app_id: string;
  sender_user_id: string;
  client_msg_id: string;
  message_id: number | string;
  conversation_seq: number | string;
  sent_at: number | string;
  conversation_type: string;
  conversation_id: string;
  user_id: string | null;
  seq: number | string | null;
}

const MESSAGE_ROWS: RowsStatement = {
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

const INBOX_ROWS: RowsStatement = {
  name: 'insert inbox',
  table: 'inbox',
  columns: ['app_id', 'user_id', 'seq', 'message_id'],
  row: ['?', '?', '?', '?'],
};

const DEDUPE_ROWS: RowsStatement = {
  name: 'insert send_dedupe',
  table: 'send_dedupe',
  columns: ['app_id', 'sender_user_id', 'client_msg_id', 'message_id', 'conversation_seq', 'sent_at'],
  row: ['?', '?', '?', '?', '?', '?'],
};

/** Stores messages not seen before (unique dedupe keys) and returns them in input order. */
async function writeAppends(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
): Promise<Stored[]> {
  const kind = ctx.dialect.kind;
  const n = inputs.length;
  // Each message's conversation counter, and each of its inbox entries' user counter (flat, in
  // input order then inboxUserIds order): the seqs are taken from them in that order.
  const users = new CounterSet('users');
  const conversations = new CounterSet('conversations');
  const conversationCounters = new Array<Counter>(n);
  const inboxCounters: Counter[] = [];
  for (let i = 0; i < n; i++) {
    const input = inputs[i]!;
    for (const userId of input.inboxUserIds) inboxCounters.push(users.use(input.appId, '', userId));
    conversationCounters[i] = conversations.use(input.appId, input.conversation.type, input.conversation.key);
  }
  // Users before conversations: the lock order of every transaction.
  await allocateSeqs(trx, ctx, users);
  const ranges = await allocateSeqs(trx, ctx, conversations);
  const conversationSeqs = new Array<number>(n);
  for (let i = 0; i < n; i++) conversationSeqs[i] = conversationCounters[i]!.next++;
  const inboxSeqs = new Array<number>(inboxCounters.length);
  for (let k = 0; k < inboxCounters.length; k++) inboxSeqs[k] = inboxCounters[k]!.next++;

  const inserted = await insertInChunks(trx, kind, MESSAGE_ROWS, n, (i, out) => {
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
  const messageIds = await insertedMessageIds(
    trx,
    ctx,
    inserted,
    ranges,
    conversationCounters,
    conversationSeqs,
  );

  // Inbox rows in input order: message i's entries follow message i-1's.
  const inboxMessage = new Array<number>(inboxCounters.length);
  for (let i = 0, k = 0; i < n; i++) {
    for (let j = 0; j < inputs[i]!.inboxUserIds.length; j++) inboxMessage[k++] = i;
  }
  await insertInChunks(trx, kind, INBOX_ROWS, inboxCounters.length, (k, out) => {
    out.push(inboxCounters[k]!.appId, inboxCounters[k]!.id, inboxSeqs[k], messageIds[inboxMessage[k]!]);
  });
  // A concurrent batch holding the same dedupe key makes this insert wait, then fail as a
  // duplicate once that batch commits: the retry then finds its row and answers a duplicate.
  await insertInChunks(trx, kind, DEDUPE_ROWS, n, (i, out) => {
    const input = inputs[i]!;
    out.push(
      input.appId,
      input.senderUserId,
      input.clientMsgId,
      messageIds[i],
      conversationSeqs[i],
      input.sentAt,
    );
  });
  await recordReadState(trx, ctx, inputs, conversationSeqs);

  const stored = new Array<Stored>(n);
  for (let i = 0, k = 0; i < n; i++) {
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
