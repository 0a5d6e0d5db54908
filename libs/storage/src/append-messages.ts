import type { Transaction } from 'kysely';
import { recordReadState } from './append-read-state.js';
import { chunks } from './chunks.js';
import { keyIn } from './key-lookup.js';
import type { Database } from './db-schema.js';
import { checkId, checkSeq, checkText, MAX_ID_LENGTH } from './limits.js';
import type { RepositoryContext } from './repository-context.js';
import { withTransactionRetry } from './retry.js';
import { allocateSeqs, type CounterRef, type SeqRange } from './seq-allocation.js';
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
 *  6. INSERT the messages;  7. SELECT their ids back;
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
 */
export async function appendBatch(
  ctx: RepositoryContext,
  batch: readonly AppendInput[],
): Promise<AppendResult[]> {
  if (batch.length === 0) return [];
  batch.forEach(checkAppend);
  const keys = batch.map(dedupeKey);
  const firstIndexByKey = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!firstIndexByKey.has(key)) firstIndexByKey.set(key, i);
  });
  const firstIndex = keys.map((key) => firstIndexByKey.get(key)!);
  const primaries = batch.filter((_, i) => firstIndex[i] === i);

  const stored = await withTransactionRetry(ctx.dialect, () =>
    ctx.db.transaction().execute(async (trx) => {
      const known = await findAppended(trx, primaries);
      const fresh = primaries.filter((input) => !known.has(dedupeKey(input)));
      const written = fresh.length > 0 ? await writeAppends(trx, ctx, fresh) : new Map<string, Stored>();
      return new Map([...known, ...written]);
    }),
  );

  return batch.map((input, i) => {
    const first = stored.get(keys[i]!)!;
    return {
      messageId: first.messageId,
      conversation: first.conversation,
      conversationSeq: first.conversationSeq,
      inboxSeqs: input.inboxUserIds.map((userId) => first.inboxSeqs.get(userId) ?? 0),
      sentAt: first.sentAt,
      duplicate: first.duplicate || firstIndex[i] !== i,
    };
  });
}

/** What a stored message answers, whichever inboxes a later duplicate names. */
interface Stored {
  messageId: number;
  conversation: StoredConversation;
  conversationSeq: number;
  /** Inbox seq by user id. */
  inboxSeqs: Map<string, number>;
  sentAt: number;
  /** Stored by an earlier batch. */
  duplicate: boolean;
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
  input.inboxUserIds.forEach((userId) => checkId('inboxUserIds[]', userId));
  if (new Set(input.inboxUserIds).size !== input.inboxUserIds.length) {
    throw new StorageError('INVALID_ARGUMENT', 'inboxUserIds must not repeat a user');
  }
}

/** A message from the app's servers: it has no sender user and no sender device. */
export function isFromSystem(input: { senderUserId: string }): boolean {
  return input.senderUserId === '';
}

function dedupeKey(input: { appId: string; senderUserId: string; clientMsgId: string }): string {
  return JSON.stringify([input.appId, input.senderUserId, input.clientMsgId]);
}

/**
 * Messages stored before, keyed by `dedupeKey`, marked as duplicates: one statement per chunk,
 * joining each dedupe record to its message and to every inbox entry of it.
 */
async function findAppended(
  trx: Transaction<Database>,
  inputs: readonly AppendInput[],
): Promise<Map<string, Stored>> {
  const found = new Map<string, Stored>();
  for (const part of chunks(inputs)) {
    const rows = await trx
      .selectFrom('send_dedupe as d')
      .innerJoin('messages as m', 'm.message_id', 'd.message_id')
      .leftJoin('inbox as i', (join) =>
        join.onRef('i.message_id', '=', 'd.message_id').onRef('i.app_id', '=', 'd.app_id'),
      )
      .select([
        'd.app_id',
        'd.sender_user_id',
        'd.client_msg_id',
        'd.message_id',
        'd.conversation_seq',
        'd.sent_at',
        'm.conversation_type',
        'm.conversation_id',
        'i.user_id',
        'i.seq',
      ])
      .where((eb) =>
        keyIn(
          eb,
          ['d.app_id', 'd.sender_user_id'],
          'd.client_msg_id',
          part.map((input) => [input.appId, input.senderUserId, input.clientMsgId]),
        ),
      )
      .execute();
    for (const row of rows) {
      const key = dedupeKey({
        appId: row.app_id,
        senderUserId: row.sender_user_id,
        clientMsgId: row.client_msg_id,
      });
      let stored = found.get(key);
      if (!stored) {
        stored = {
          messageId: Number(row.message_id),
          conversation: {
            type: row.conversation_type as StoredConversation['type'],
            key: row.conversation_id,
          },
          conversationSeq: Number(row.conversation_seq),
          inboxSeqs: new Map(),
          sentAt: Number(row.sent_at),
          duplicate: true,
        };
        found.set(key, stored);
      }
      if (row.user_id !== null && row.seq !== null) stored.inboxSeqs.set(row.user_id, Number(row.seq));
    }
  }
  return found;
}

/** Stores messages not seen before (unique dedupe keys) and returns them by `dedupeKey`. */
async function writeAppends(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
): Promise<Map<string, Stored>> {
  const inbox = (input: AppendInput, userId: string): CounterRef => ({
    appId: input.appId,
    scope: '',
    id: userId,
  });
  const conversation = (input: AppendInput): CounterRef => ({
    appId: input.appId,
    scope: input.conversation.type,
    id: input.conversation.key,
  });
  // Users before conversations: the lock order of every transaction.
  const userSeqs = await allocateSeqs(
    trx,
    ctx,
    'users',
    inputs.flatMap((input) => input.inboxUserIds.map((userId) => inbox(input, userId))),
  );
  const conversationSeqs = await allocateSeqs(trx, ctx, 'conversations', inputs.map(conversation));

  const planned = inputs.map((input) => ({
    input,
    conversationSeq: conversationSeqs.take(conversation(input)),
    inboxSeqs: input.inboxUserIds.map((userId) => userSeqs.take(inbox(input, userId))),
  }));

  for (const part of chunks(planned)) {
    await trx
      .insertInto('messages')
      .values(
        part.map(({ input, conversationSeq }) => ({
          app_id: input.appId,
          conversation_type: input.conversation.type,
          conversation_id: input.conversation.key,
          conversation_seq: conversationSeq,
          sender_user_id: input.senderUserId,
          sender_device_id: input.senderDeviceId,
          target_id: input.targetId,
          client_msg_id: input.clientMsgId,
          content_type: input.contentType,
          content: asBuffer(input.content),
          sent_at: input.sentAt,
        })),
      )
      .execute();
  }
  // Auto-increment ids of one multi-row INSERT are not consecutive under MySQL 8's default
  // innodb_autoinc_lock_mode=2, so read them back by the unique conversation seq instead.
  const messageIds = await readMessageIds(trx, conversationSeqs.ranges());
  const written = planned.map((plan) => ({
    ...plan,
    messageId: messageIds.get(
      seqKey(
        plan.input.appId,
        plan.input.conversation.type,
        plan.input.conversation.key,
        plan.conversationSeq,
      ),
    )!,
  }));

  const inboxRows = written.flatMap(({ input, inboxSeqs, messageId }) =>
    input.inboxUserIds.map((userId, i) => ({
      app_id: input.appId,
      user_id: userId,
      seq: inboxSeqs[i]!,
      message_id: messageId,
    })),
  );
  for (const part of chunks(inboxRows)) await trx.insertInto('inbox').values(part).execute();

  const dedupeRows = written.map(({ input, conversationSeq, messageId }) => ({
    app_id: input.appId,
    sender_user_id: input.senderUserId,
    client_msg_id: input.clientMsgId,
    message_id: messageId,
    conversation_seq: conversationSeq,
    sent_at: input.sentAt,
  }));
  // A concurrent batch holding the same dedupe key makes this insert wait, then fail as a
  // duplicate once that batch commits: the retry then finds its row and answers a duplicate.
  for (const part of chunks(dedupeRows)) await trx.insertInto('send_dedupe').values(part).execute();
  await recordReadState(trx, ctx, written);

  return new Map(
    written.map(({ input, conversationSeq, inboxSeqs, messageId }) => [
      dedupeKey(input),
      {
        messageId,
        conversation: input.conversation,
        conversationSeq,
        inboxSeqs: new Map(input.inboxUserIds.map((userId, i) => [userId, inboxSeqs[i]!])),
        sentAt: input.sentAt,
        duplicate: false,
      },
    ]),
  );
}

async function readMessageIds(
  trx: Transaction<Database>,
  ranges: readonly SeqRange[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const part of chunks(ranges)) {
    const rows = await trx
      .selectFrom('messages')
      .select(['app_id', 'conversation_type', 'conversation_id', 'conversation_seq', 'message_id'])
      .where((eb) =>
        eb.or(
          part.map((range) =>
            eb.and([
              eb('app_id', '=', range.appId),
              eb('conversation_type', '=', range.scope),
              eb('conversation_id', '=', range.id),
              eb('conversation_seq', '>=', range.low),
              eb('conversation_seq', '<=', range.high),
            ]),
          ),
        ),
      )
      .execute();
    for (const row of rows) {
      ids.set(
        seqKey(row.app_id, row.conversation_type, row.conversation_id, Number(row.conversation_seq)),
        Number(row.message_id),
      );
    }
  }
  return ids;
}

function seqKey(appId: string, type: string, key: string, seq: number): string {
  return JSON.stringify([appId, type, key, seq]);
}
