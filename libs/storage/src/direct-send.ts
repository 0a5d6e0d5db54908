import type { Transaction } from 'kysely';
import { chunks } from './chunks.js';
import { keyIn } from './key-lookup.js';
import { directConversationId } from './conversation-id.js';
import type { Database } from './db-schema.js';
import { checkId, checkSeq, checkText, MAX_ID_LENGTH } from './limits.js';
import type { RepositoryContext } from './repository-context.js';
import { withTransactionRetry } from './retry.js';
import { allocateSeqs, type CounterRef, type SeqRange } from './seq-allocation.js';
import { asBuffer } from './row-mappers.js';
import { StorageError } from './storage-error.js';
import type { DirectSendInput, DirectSendResult } from './types.js';

/** Largest message content: what MySQL's MEDIUMBLOB holds. */
export const MAX_CONTENT_BYTES = 16 * 1024 * 1024 - 1;

/**
 * The group-commit write path of 1:1 messages: the whole batch in one transaction with a fixed
 * number of statements (about ten, whatever the batch size). See `MessageRepository.sendDirect`
 * for the contract.
 *
 * Gapless seqs come from row locks: a counter row (`users.max_seq`, `conversations.max_seq`) is
 * bumped by an upsert, which locks it until commit, so a second writer of the same user waits and
 * then allocates after the first one's seqs. Every transaction locks users before conversations,
 * each in sorted key order, so two batches never wait on each other in a cycle; the deadlocks the
 * database still reports (insert-intention locks, for instance) abort the transaction whole and it
 * is retried, leaving no gap since nothing of it committed.
 */
export async function sendDirectBatch(
  ctx: RepositoryContext,
  batch: readonly DirectSendInput[],
): Promise<DirectSendResult[]> {
  if (batch.length === 0) return [];
  batch.forEach(checkDirectSend);
  const keys = batch.map(dedupeKey);
  const firstIndexByKey = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!firstIndexByKey.has(key)) firstIndexByKey.set(key, i);
  });
  const firstIndex = keys.map((key) => firstIndexByKey.get(key)!);
  const primaries = batch.filter((_, i) => firstIndex[i] === i);

  const stored = await withTransactionRetry(ctx.dialect, () =>
    ctx.db.transaction().execute(async (trx) => {
      const known = await findSent(trx, primaries);
      const fresh = primaries.filter((input) => !known.has(dedupeKey(input)));
      const written =
        fresh.length > 0 ? await writeSends(trx, ctx, fresh) : new Map<string, DirectSendResult>();
      return new Map([...known, ...written]);
    }),
  );

  return batch.map((_, i) => {
    const result = stored.get(keys[i]!)!;
    return firstIndex[i] === i ? result : { ...result, duplicate: true };
  });
}

function checkDirectSend(input: DirectSendInput): void {
  checkId('appId', input.appId);
  if (!isSystemSend(input)) {
    checkId('senderUserId', input.senderUserId);
    // Empty for a send the app's servers made on the user's behalf (no device sent it).
    checkText('senderDeviceId', input.senderDeviceId, MAX_ID_LENGTH);
  } else if (input.senderDeviceId !== '') {
    throw new StorageError('INVALID_ARGUMENT', 'a message from the system has no sender device');
  }
  checkId('recipientUserId', input.recipientUserId);
  checkId('clientMsgId', input.clientMsgId);
  checkText('contentType', input.contentType, 64);
  checkSeq('sentAt', input.sentAt);
  if (!(input.content instanceof Uint8Array) || input.content.byteLength > MAX_CONTENT_BYTES) {
    throw new StorageError('INVALID_ARGUMENT', `content must be bytes, at most ${MAX_CONTENT_BYTES}`);
  }
}

/** A message from the app's servers (no sender): it has no sender inbox entry and no sender seq. */
export function isSystemSend(input: { senderUserId: string }): boolean {
  return input.senderUserId === '';
}

function dedupeKey(input: { appId: string; senderUserId: string; clientMsgId: string }): string {
  return JSON.stringify([input.appId, input.senderUserId, input.clientMsgId]);
}

/** Results of sends stored before, keyed by `dedupeKey`, marked as duplicates. */
async function findSent(
  trx: Transaction<Database>,
  inputs: readonly DirectSendInput[],
): Promise<Map<string, DirectSendResult>> {
  const found = new Map<string, DirectSendResult>();
  for (const part of chunks(inputs)) {
    const rows = await trx
      .selectFrom('send_dedupe as d')
      .innerJoin('messages as m', 'm.message_id', 'd.message_id')
      .select([
        'd.app_id',
        'd.sender_user_id',
        'd.client_msg_id',
        'd.message_id',
        'd.sender_seq',
        'd.recipient_seq',
        'd.conversation_seq',
        'd.sent_at',
        'm.conversation_id',
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
      found.set(
        dedupeKey({ appId: row.app_id, senderUserId: row.sender_user_id, clientMsgId: row.client_msg_id }),
        {
          messageId: Number(row.message_id),
          senderSeq: Number(row.sender_seq),
          recipientSeq: Number(row.recipient_seq),
          conversationSeq: Number(row.conversation_seq),
          conversationId: row.conversation_id,
          sentAt: Number(row.sent_at),
          duplicate: true,
        },
      );
    }
  }
  return found;
}

/** Stores sends not seen before (unique dedupe keys) and returns their results by `dedupeKey`. */
async function writeSends(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  inputs: readonly DirectSendInput[],
): Promise<Map<string, DirectSendResult>> {
  const inboxUsers = (input: DirectSendInput): CounterRef[] =>
    (input.recipientUserId === input.senderUserId
      ? [input.senderUserId]
      : isSystemSend(input)
        ? [input.recipientUserId]
        : [input.senderUserId, input.recipientUserId]
    ).map((id) => ({ appId: input.appId, scope: '', id }));
  const conversation = (input: DirectSendInput): CounterRef => ({
    appId: input.appId,
    scope: 'user',
    id: directConversationId(input.senderUserId, input.recipientUserId),
  });
  const userSeqs = await allocateSeqs(trx, ctx, 'users', inputs.flatMap(inboxUsers));
  const conversationSeqs = await allocateSeqs(trx, ctx, 'conversations', inputs.map(conversation));

  const planned = inputs.map((input) => {
    const conversationId = directConversationId(input.senderUserId, input.recipientUserId);
    const user = (id: string): CounterRef => ({ appId: input.appId, scope: '', id });
    const senderSeq = isSystemSend(input) ? 0 : userSeqs.take(user(input.senderUserId));
    const recipientSeq =
      input.recipientUserId === input.senderUserId ? senderSeq : userSeqs.take(user(input.recipientUserId));
    const conversationSeq = conversationSeqs.take(conversation(input));
    return { input, conversationId, senderSeq, recipientSeq, conversationSeq };
  });

  for (const part of chunks(planned)) {
    await trx
      .insertInto('messages')
      .values(
        part.map(({ input, conversationId, conversationSeq }) => ({
          app_id: input.appId,
          conversation_type: 'user',
          conversation_id: conversationId,
          conversation_seq: conversationSeq,
          sender_user_id: input.senderUserId,
          sender_device_id: input.senderDeviceId,
          target_id: input.recipientUserId,
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

  const inboxRows = planned.flatMap(({ input, conversationId, senderSeq, recipientSeq, conversationSeq }) => {
    const messageId = messageIds.get(seqKey(input.appId, conversationId, conversationSeq))!;
    const sender = {
      app_id: input.appId,
      user_id: input.senderUserId,
      seq: senderSeq,
      message_id: messageId,
    };
    if (input.recipientUserId === input.senderUserId) return [sender];
    const recipient = {
      app_id: input.appId,
      user_id: input.recipientUserId,
      seq: recipientSeq,
      message_id: messageId,
    };
    return isSystemSend(input) ? [recipient] : [sender, recipient];
  });
  for (const part of chunks(inboxRows)) await trx.insertInto('inbox').values(part).execute();

  const results = new Map<string, DirectSendResult>();
  const dedupeRows = planned.map(({ input, conversationId, senderSeq, recipientSeq, conversationSeq }) => {
    const messageId = messageIds.get(seqKey(input.appId, conversationId, conversationSeq))!;
    results.set(dedupeKey(input), {
      messageId,
      senderSeq,
      recipientSeq,
      conversationSeq,
      conversationId,
      sentAt: input.sentAt,
      duplicate: false,
    });
    return {
      app_id: input.appId,
      sender_user_id: input.senderUserId,
      client_msg_id: input.clientMsgId,
      message_id: messageId,
      sender_seq: senderSeq,
      recipient_seq: recipientSeq,
      conversation_seq: conversationSeq,
      sent_at: input.sentAt,
    };
  });
  // A concurrent batch holding the same dedupe key makes this insert wait, then fail as a
  // duplicate once that batch commits: the retry then finds its row and answers a duplicate.
  for (const part of chunks(dedupeRows)) await trx.insertInto('send_dedupe').values(part).execute();
  return results;
}

async function readMessageIds(
  trx: Transaction<Database>,
  ranges: readonly SeqRange[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const part of chunks(ranges)) {
    const rows = await trx
      .selectFrom('messages')
      .select(['app_id', 'conversation_id', 'conversation_seq', 'message_id'])
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
      ids.set(seqKey(row.app_id, row.conversation_id, Number(row.conversation_seq)), Number(row.message_id));
    }
  }
  return ids;
}

function seqKey(appId: string, conversationId: string, seq: number): string {
  return JSON.stringify([appId, conversationId, seq]);
}
