import { dedupeKey, findAppended, type Stored } from './append-dedupe.js';
import { appendPipelined, pipelineTraits } from './append-pipelined.js';
import { writeAppends } from './append-writes.js';
import { checkId, checkSeq, checkText, MAX_ID_LENGTH } from './limits.js';
import type { RepositoryContext } from './repository-context.js';
import { withTransactionRetry } from './retry.js';
import { StorageError } from './storage-error.js';
import type { AppendInput, AppendResult } from './types.js';

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
 * On MySQL they travel in two round trips instead of one each (`append-pipelined.ts`). See
 * `MessageRepository.append` for the contract.
 *
 * Gapless seqs come from row locks: a counter row (`user_seqs.max_seq`, `conversations.max_seq`) is
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
  seqsTaken?: () => void,
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

  const traits = await pipelineTraits(ctx, primaries);
  const stored = await withTransactionRetry(
    ctx.dialect,
    async () =>
      (traits && (await appendPipelined(ctx, primaries, traits, seqsTaken))) ||
      appendEach(ctx, primaries, seqsTaken),
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

/**
 * The append transaction one statement per round trip: looks the batch's dedupe keys up, then
 * stores the ones not found (`append-writes.ts`). Resolves in `primaries`' order.
 */
function appendEach(
  ctx: RepositoryContext,
  primaries: readonly AppendInput[],
  seqsTaken: (() => void) | undefined,
): Promise<Stored[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const known = await findAppended(trx, ctx.dialect.kind, primaries);
    const fresh = known.size === 0 ? primaries : primaries.filter((input) => !known.has(dedupeKey(input)));
    const written = fresh.length > 0 ? await writeAppends(trx, ctx, fresh, seqsTaken) : [];
    if (known.size === 0) return written;
    // Back in primaries' order: the known ones where they are, the written ones in between.
    const all = new Array<Stored>(primaries.length);
    let next = 0;
    for (let p = 0; p < primaries.length; p++) {
      all[p] = known.get(dedupeKey(primaries[p]!)) ?? written[next++]!;
    }
    return all;
  });
}
