import { appendBatch, isFromSystem } from './append-messages.js';
import { directConversationId } from './conversation-id.js';
import { checkId } from './limits.js';
import type { RepositoryContext } from './repository-context.js';
import type { AppendInput, AppendResult, DirectSendInput, DirectSendResult } from './types.js';

/**
 * 1:1 sends over the general write path (`appendBatch`): the conversation of the two users, an
 * inbox entry for both (only the sender for a note to self, only the recipient for a message from
 * the system). See `MessageRepository.sendDirect` for the contract.
 */
export async function sendDirectBatch(
  ctx: RepositoryContext,
  batch: readonly DirectSendInput[],
): Promise<DirectSendResult[]> {
  batch.forEach((input) => checkId('recipientUserId', input.recipientUserId));
  const results = await appendBatch(ctx, batch.map(directAppendInput));
  return batch.map((input, i) => directSendResult(input, results[i]!));
}

/** What a 1:1 send answers, read from the `append` result of {@link directAppendInput}. */
export function directSendResult(input: DirectSendInput, result: AppendResult): DirectSendResult {
  const { messageId, conversation, conversationSeq, inboxSeqs, sentAt, duplicate } = result;
  const [first = 0, second = 0] = inboxSeqs;
  const toSelf = input.recipientUserId === input.senderUserId;
  return {
    messageId,
    senderSeq: isFromSystem(input) ? 0 : first,
    recipientSeq: isFromSystem(input) || toSelf ? first : second,
    conversationSeq,
    conversationId: conversation.key,
    sentAt,
    duplicate,
  };
}

/**
 * A 1:1 send as an `append` input: so that callers batching appends of every kind (logic's group
 * commit) store 1:1 sends exactly as `sendDirect` does.
 */
export function directAppendInput(input: DirectSendInput): AppendInput {
  const recipientUserId = input.recipientUserId;
  checkId('recipientUserId', recipientUserId);
  const senderUserId = input.senderUserId;
  // Field by field rather than by rest and spread: this runs for every 1:1 send, and an object of a
  // fixed shape is cheaper to build and to read.
  return {
    appId: input.appId,
    conversation: { type: 'user', key: directConversationId(senderUserId, recipientUserId) },
    senderUserId,
    senderDeviceId: input.senderDeviceId,
    targetId: recipientUserId,
    clientMsgId: input.clientMsgId,
    contentType: input.contentType,
    content: input.content,
    sentAt: input.sentAt,
    inboxUserIds:
      recipientUserId === senderUserId || isFromSystem(input)
        ? [recipientUserId]
        : [senderUserId, recipientUserId],
  };
}
